//! Windows only: a display that reports a refresh rate of 0 or 1 Hz is read as 60 Hz.
//!
//! # Why
//! Slint 1.18's winit backend paces redraws on Windows with a timer of
//! `1000 * 1000 / rate_millihertz` ms, and winit 0.30 takes the rate from
//! `EnumDisplaySettingsExW` as `dmDisplayFrequency * 1000`. Microsoft documents
//! `dmDisplayFrequency` values 0 and 1 as "the display hardware's default
//! refresh rate", and some drivers report them (Wine on a plain X display
//! does): 0 divides by zero, a panic a second after start; 1 redraws once a
//! second, so typed keys take most of a second to appear. Neither Slint nor
//! winit lets a program choose the throttle or override the rate.
//!
//! # How
//! [`install`] points this executable's import of `user32!EnumDisplaySettingsExW`
//! (winit is linked into the .exe, so the .exe's import address table is the
//! one winit calls through) at a wrapper that calls the real function and
//! turns a reported 0 or 1 into 60. Only kernel32 is used. This was chosen over
//! a `[patch]`ed winit: no fork to rebase on every Slint update, one small
//! file, and one call to delete.
//!
//! # Removing it
//! When Slint treats a rate of 1 Hz or less as unknown, delete this file, its
//! `mod` line in `win/mod.rs` and the call in `src/bin/banter.rs`.
//!
//! Contract:
//! 1. [`install`] runs before any window exists, on the main thread; calling
//!    it again only updates the forced value.
//! 2. The wrapper changes nothing but `dmDisplayFrequency`, only after a call
//!    that succeeded on a buffer the caller says is big enough, and only when
//!    the value is 0 or 1.
//! 3. If the executable does not import the function (another linker, another
//!    winit), nothing is changed and [`install`] says so.

use std::ffi::{c_void, CStr};
use std::io;
use std::mem::size_of;
use std::ptr;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

/// The rate assumed when the display reports its "default" (0 or 1).
pub const ASSUMED_HZ: u32 = 60;

/// Test-only: the refresh rate in Hz to pretend the display reports before the
/// fix-up (e.g. 1), so a display that reports 1 Hz can be tried under Wine.
pub const FAKE_RATE_VAR: &str = "BANTER_FAKE_REFRESH_HZ";

// DEVMODEW field offsets, the same for 32- and 64-bit Windows (checked against
// MinGW-w64's headers with offsetof).
const DM_SIZE: usize = 68;
const DM_DISPLAY_FREQUENCY: usize = 184;

const PAGE_READWRITE: u32 = 0x04;
const NOT_FORCED: u32 = u32::MAX;

type EnumDisplaySettingsExW = unsafe extern "system" fn(*const u16, u32, *mut c_void, u32) -> i32;

/// The function the loader bound to the import slot (0 until [`install`]).
static ORIGINAL: AtomicUsize = AtomicUsize::new(0);
/// [`FAKE_RATE_VAR`]'s value, or `NOT_FORCED`.
static FORCED_HZ: AtomicU32 = AtomicU32::new(NOT_FORCED);

#[link(name = "kernel32")]
extern "system" {
    fn GetModuleHandleW(name: *const u16) -> *mut c_void;
    fn VirtualProtect(addr: *const c_void, size: usize, protect: u32, old: *mut u32) -> i32;
}

/// The rate to use for a reported `dmDisplayFrequency`.
pub fn effective_hz(reported: u32) -> u32 {
    if reported <= 1 {
        ASSUMED_HZ
    } else {
        reported
    }
}

/// [`install`] with the test-only [`FAKE_RATE_VAR`] read from the environment;
/// a failure is logged, not fatal (most displays report a real rate).
pub fn install_from_env() {
    let forced = std::env::var(FAKE_RATE_VAR).ok();
    let forced = forced
        .as_deref()
        .and_then(|v| match v.trim().parse::<u32>() {
            Ok(hz) => Some(hz),
            Err(_) => {
                log::warn!("{FAKE_RATE_VAR}={v:?} is not a whole number; ignored");
                None
            }
        });
    match install(forced) {
        Ok(0) => {
            log::warn!("EnumDisplaySettingsExW is not imported; refresh-rate fix-up not installed")
        }
        Ok(_) => {}
        Err(e) => log::warn!("refresh-rate fix-up not installed: {e}"),
    }
}

/// Routes this executable's imports of `EnumDisplaySettingsExW` through the
/// fix-up; `forced` (tests only) replaces what the display reports before the
/// fix-up. Returns how many import slots point at the wrapper.
pub fn install(forced: Option<u32>) -> io::Result<usize> {
    FORCED_HZ.store(forced.unwrap_or(NOT_FORCED), Ordering::Release);
    // SAFETY: GetModuleHandleW(NULL) returns the base of this process's .exe,
    // which the loader mapped as a whole, valid PE image for the process's life.
    let base = unsafe { GetModuleHandleW(ptr::null()) }.cast::<u8>();
    if base.is_null() {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `base` is a mapped PE image (above); `import_slots` only follows
    // offsets the image's own headers give.
    let slots = unsafe { import_slots(base, b"user32.dll", b"EnumDisplaySettingsExW") };
    let wrapper = fixed_enum_display_settings_ex_w as EnumDisplaySettingsExW as usize;
    let mut patched = 0;
    for slot in slots {
        // SAFETY: `slot` is a pointer-aligned import address table entry of
        // this image; VirtualProtect makes its page writable for the store and
        // restores the old protection after. The store is atomic, so a reader
        // on another thread sees the old or the new function, never half.
        unsafe {
            let entry = AtomicUsize::from_ptr(slot);
            let current = entry.load(Ordering::Acquire);
            if current == wrapper {
                patched += 1;
                continue;
            }
            ORIGINAL.store(current, Ordering::Release);
            let mut old = 0;
            if VirtualProtect(slot.cast(), size_of::<usize>(), PAGE_READWRITE, &mut old) == 0 {
                return Err(io::Error::last_os_error());
            }
            entry.store(wrapper, Ordering::Release);
            VirtualProtect(slot.cast(), size_of::<usize>(), old, &mut old);
        }
        patched += 1;
    }
    Ok(patched)
}

/// `EnumDisplaySettingsExW` with contract 2 applied.
unsafe extern "system" fn fixed_enum_display_settings_ex_w(
    device: *const u16,
    mode_num: u32,
    mode: *mut c_void,
    flags: u32,
) -> i32 {
    let original = ORIGINAL.load(Ordering::Acquire);
    // SAFETY: this wrapper is reachable only through a slot `install` rewrote,
    // after storing that slot's previous value, the real user32 function with
    // this same signature, in ORIGINAL.
    let original: EnumDisplaySettingsExW = unsafe { std::mem::transmute(original) };
    let mode = mode.cast::<u8>();
    // SAFETY: the caller passes a DEVMODEW whose dmSize it has set (the
    // function's own contract); fields are read and written only when dmSize
    // says they are inside the buffer, and unaligned access is used throughout.
    unsafe {
        let size = if mode.is_null() {
            0
        } else {
            usize::from(ptr::read_unaligned(mode.add(DM_SIZE).cast::<u16>()))
        };
        let ok = original(device, mode_num, mode.cast(), flags);
        if ok != 0 && size >= DM_DISPLAY_FREQUENCY + size_of::<u32>() {
            let field = mode.add(DM_DISPLAY_FREQUENCY).cast::<u32>();
            let forced = FORCED_HZ.load(Ordering::Acquire);
            let reported = if forced == NOT_FORCED {
                ptr::read_unaligned(field)
            } else {
                forced
            };
            ptr::write_unaligned(field, effective_hz(reported));
        }
        ok
    }
}

/// The import address table entries of `base` for `dll!function` (imported by
/// name; the DLL name compared without case).
///
/// # Safety
/// `base` must be the base of a PE image mapped by the Windows loader.
unsafe fn import_slots(base: *const u8, dll: &[u8], function: &[u8]) -> Vec<*mut usize> {
    // SAFETY (for the helpers): offsets come from the image's headers, which
    // the loader validated when it mapped the image.
    let read_u16 = |rva: usize| unsafe { ptr::read_unaligned(base.add(rva).cast::<u16>()) };
    let read_u32 = |rva: usize| unsafe { ptr::read_unaligned(base.add(rva).cast::<u32>()) };
    let name_at = |rva: usize| unsafe { CStr::from_ptr(base.add(rva).cast()).to_bytes() };
    let mut found = Vec::new();
    let nt = read_u32(0x3c) as usize; // IMAGE_DOS_HEADER.e_lfanew
    if read_u32(nt) != 0x4550 {
        return found; // not "PE\0\0"
    }
    let optional = nt + 24; // after the signature and IMAGE_FILE_HEADER
    let directories = match read_u16(optional) {
        0x20b => optional + 112, // PE32+
        0x10b => optional + 96,  // PE32
        _ => return found,
    };
    if read_u32(directories - 4) < 2 {
        return found; // NumberOfRvaAndSizes: no import directory
    }
    let imports = read_u32(directories + 8) as usize; // DataDirectory[1]
    if imports == 0 {
        return found;
    }
    // IMAGE_IMPORT_DESCRIPTORs (20 bytes), ended by an all-zero one.
    for descriptor in (imports..).step_by(20) {
        let names = read_u32(descriptor) as usize; // OriginalFirstThunk
        let dll_name = read_u32(descriptor + 12) as usize;
        let addresses = read_u32(descriptor + 16) as usize; // FirstThunk
        if dll_name == 0 || addresses == 0 {
            break;
        }
        if names == 0 || !name_at(dll_name).eq_ignore_ascii_case(dll) {
            continue;
        }
        for i in 0.. {
            let offset = i * size_of::<usize>();
            // SAFETY: the name table is pointer-sized entries ended by 0.
            let entry = unsafe { ptr::read_unaligned(base.add(names + offset).cast::<usize>()) };
            if entry == 0 {
                break;
            }
            let by_ordinal = entry >> (usize::BITS - 1) != 0;
            // IMAGE_IMPORT_BY_NAME: a u16 hint, then the name.
            if !by_ordinal && name_at(entry + 2) == function {
                // SAFETY: the address table parallels the name table.
                found.push(unsafe { base.add(addresses + offset) }.cast_mut().cast());
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[link(name = "user32")]
    extern "system" {
        // Declared here so that the test executable imports it, as winit
        // makes banter.exe do.
        fn EnumDisplaySettingsExW(
            device: *const u16,
            mode: u32,
            dm: *mut c_void,
            flags: u32,
        ) -> i32;
    }

    const ENUM_CURRENT_SETTINGS: u32 = u32::MAX;

    #[test]
    fn default_rates_read_as_sixty() {
        assert_eq!(effective_hz(0), 60);
        assert_eq!(effective_hz(1), 60);
        assert_eq!(effective_hz(2), 2);
        assert_eq!(effective_hz(60), 60);
        assert_eq!(effective_hz(144), 144);
    }

    /// The current mode's rate, called through the import table.
    fn current_hz() -> u32 {
        let mut mode = [0u8; 220]; // sizeof(DEVMODEW)
        mode[DM_SIZE..DM_SIZE + 2].copy_from_slice(&220u16.to_le_bytes());
        // SAFETY: `mode` is a zeroed DEVMODEW-sized buffer with dmSize set.
        let ok = unsafe {
            EnumDisplaySettingsExW(
                ptr::null(),
                ENUM_CURRENT_SETTINGS,
                mode.as_mut_ptr().cast(),
                0,
            )
        };
        assert_ne!(ok, 0, "EnumDisplaySettingsExW failed (is there a display?)");
        let mut field = [0; 4];
        field.copy_from_slice(&mode[DM_DISPLAY_FREQUENCY..DM_DISPLAY_FREQUENCY + 4]);
        u32::from_le_bytes(field)
    }

    // One test: the forced rate is process-wide.
    #[test]
    fn reported_zero_and_one_become_sixty_through_the_import_table() {
        assert!(install(Some(0)).expect("install") >= 1, "import slot found");
        assert_eq!(current_hz(), 60);
        assert!(install(Some(1)).expect("install again") >= 1);
        assert_eq!(current_hz(), 60);
        install(Some(75)).expect("install again");
        assert_eq!(current_hz(), 75);
        install(None).expect("install again");
        assert!(current_hz() > 1);
    }
}
