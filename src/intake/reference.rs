//! Receipt reference numbers: short, read aloud or typed without mistakes, and checked.
//!
//! Eight symbols of Crockford's base 32 (digits and letters without I, L, O and U, so nothing is
//! mistaken for 1, 0 or V) carry 40 random bits; a ninth is a check symbol (the value mod 37, from
//! Crockford's extended alphabet), which catches every single wrong symbol and every swap of two
//! neighbours. Written in groups: `7K3M-9QXD-2`. Reading forgives case, hyphens and spaces, and
//! takes I and L as 1 and O as 0.

use rand::Rng;

const SYMBOLS: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CHECK: &[u8; 37] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U";

/// A new random reference, e.g. `7K3M-9QXD-2`.
pub fn new_reference() -> String {
    let n: u64 = rand::rng().random::<u64>() & ((1 << 40) - 1);
    encode(n)
}

fn encode(n: u64) -> String {
    let mut s = String::with_capacity(11);
    for i in (0..8).rev() {
        s.push(SYMBOLS[((n >> (i * 5)) & 31) as usize] as char);
        if i == 4 {
            s.push('-');
        }
    }
    s.push('-');
    s.push(CHECK[(n % 37) as usize] as char);
    s
}

/// Reads a reference as a person may have typed it; `None` when it is not one (wrong length, a
/// symbol outside the alphabet, or a check symbol that does not match).
pub fn parse_reference(typed: &str) -> Option<String> {
    let cleaned: Vec<u8> = typed
        .bytes()
        .filter(|b| !matches!(b, b'-' | b' '))
        .map(|b| match b.to_ascii_uppercase() {
            b'I' | b'L' => b'1',
            b'O' => b'0',
            b => b,
        })
        .collect();
    if cleaned.len() != 9 {
        return None;
    }
    let mut n: u64 = 0;
    for &b in &cleaned[..8] {
        let v = SYMBOLS.iter().position(|&s| s == b)? as u64;
        n = (n << 5) | v;
    }
    (CHECK[(n % 37) as usize] == cleaned[8]).then(|| encode(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_reference_reads_back_whatever_the_typing() {
        let r = encode(0x12_3456_789A);
        assert_eq!(r.len(), 11);
        assert_eq!(parse_reference(&r).as_deref(), Some(r.as_str()));
        let sloppy = r
            .to_lowercase()
            .replace('-', " ")
            .replace('1', "l")
            .replace('0', "o");
        assert_eq!(parse_reference(&sloppy).as_deref(), Some(r.as_str()));
        assert_eq!(parse_reference("7K3M-9QXD"), None, "too short");
        assert_eq!(parse_reference("UUUU-UUUU-0"), None, "U is not a symbol");
    }

    proptest! {
        #[test]
        fn one_wrong_symbol_or_a_swap_is_caught(n in 0u64..(1 << 40), pos in 0usize..9, to in 0usize..32, swap in 0usize..8) {
            let r: Vec<u8> = encode(n).bytes().filter(|&b| b != b'-').collect();
            let mut wrong = r.clone();
            let alphabet: &[u8] = if pos == 8 { CHECK } else { SYMBOLS };
            wrong[pos] = alphabet[to];
            if wrong != r {
                prop_assert_eq!(parse_reference(std::str::from_utf8(&wrong).unwrap()), None);
            }
            let mut swapped = r.clone();
            swapped.swap(swap, swap + 1);
            if swapped != r {
                prop_assert_eq!(parse_reference(std::str::from_utf8(&swapped).unwrap()), None);
            }
        }
    }
}
