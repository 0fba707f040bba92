//! Secrets: resume tokens and the hosting client's operator password, each
//! 128 bits from the operating system's random source (through `ring`,
//! which TLS already links).

use ring::rand::{SecureRandom, SystemRandom};

/// 128 random bits as 32 lowercase hex digits; `None` if the operating
/// system's random source failed, which callers treat as "no secret now"
/// rather than falling back to something guessable.
pub fn hex128() -> Option<String> {
    let mut bytes = [0u8; 16];
    SystemRandom::new().fill(&mut bytes).ok()?;
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_32_hex_digits_and_differ() {
        let (a, b) = (hex128().unwrap(), hex128().unwrap());
        assert_eq!(a.len(), 32);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
    }
}
