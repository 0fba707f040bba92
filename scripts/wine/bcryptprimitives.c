/* Stand-in for bcryptprimitives.dll, which Wine 8 (Debian 12) lacks and Rust's
 * standard library imports on Windows: ProcessPrng forwarded to RtlGenRandom
 * (advapi32!SystemFunction036). For running Windows builds under Wine only;
 * Windows 10 and later have the real DLL. Built by scripts/windows-ci.sh. */
#include <windows.h>
typedef BOOLEAN (WINAPI *RtlGenRandomFn)(PVOID, ULONG);
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    static RtlGenRandomFn f = 0;
    if (!f) f = (RtlGenRandomFn)GetProcAddress(LoadLibraryA("advapi32.dll"), "SystemFunction036");
    while (len > 0) { ULONG n = len > 0x7fffffff ? 0x7fffffff : (ULONG)len; if (!f(data, n)) return FALSE; data += n; len -= n; }
    return TRUE;
}
