//! std-xous: the counter clock's division by multiplication, held against
//! the division it replaces (run by std's own unit tests on the target).

use rand::RngCore;

use super::{Rate, high_half_of_product};

#[test]
fn the_high_half_is_the_u128_products() {
    let edges = [0, 1, 2, 0xffff_ffff, 1 << 32, u64::MAX - 1, u64::MAX];
    for &a in &edges {
        for &b in &edges {
            assert_eq!(high_half_of_product(a, b), ((u128::from(a) * u128::from(b)) >> 64) as u64, "{a} * {b}");
        }
    }
    // std's own test generator (test_helpers.rs); a failure prints its numbers.
    let mut random = crate::test_helpers::test_rng();
    for _ in 0..10_000 {
        let (a, b) = (random.next_u64(), random.next_u64());
        assert_eq!(high_half_of_product(a, b), ((u128::from(a) * u128::from(b)) >> 64) as u64, "{a} * {b}");
    }
}

#[test]
fn split_is_division_and_remainder_for_every_rate() {
    // QEMU's 10 MHz, a watch crystal, rates that divide nothing evenly, and
    // the extremes.
    let rates = [1, 2, 3, 7, 32_768, 1_000_000, 10_000_000, 24_000_000, 999_999_937, u32::MAX - 1, u32::MAX];
    let mut random = crate::test_helpers::test_rng();
    for hz in rates {
        let rate = Rate::new(hz);
        let wide = u64::from(hz);
        let mut cases = vec![0, 1, wide - 1, wide, wide + 1, u64::MAX, u64::MAX - 1, u64::MAX - wide, 1 << 63, (1 << 63) - 1];
        cases.extend((0..2_000).map(|_| random.next_u64()));
        // Small counts too, as a counter read soon after boot gives.
        cases.extend((0..2_000).map(|_| random.next_u64() >> 30));
        for n in cases {
            assert_eq!(rate.split(n), (n / wide, (n % wide) as u32), "{n} at {hz} Hz");
        }
    }
}
