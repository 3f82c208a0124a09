//! The C maths functions the binaries call, answered in them, so that the loader does not
//! map `libm.so.6` at each start.
//!
//! Two dependencies call into the C maths library: indicatif's rate estimate for
//! `--progress` (`pow`), and hdrhistogram's bucket layout for `rsub --latency` (`log2`; in
//! release builds the compiler works it out beforehand). Loading the library for them cost a
//! one-shot publish about 0.14 ms of its 2.5 ms, whether either was used or not. [`main!`]
//! defines each under its C name in the binary, as the function of the same name from the
//! `libm` crate (a port of musl's, within an ulp of glibc's): the linker finds them before
//! the library, and drops the library (`--as-needed`). A call to any other maths function
//! would bring the library back; `tests/startup.rs` would say so, and the function goes here.
//!
//! [`main!`]: crate::main

/// `x` to the power `y`, as C's `pow`.
pub fn pow(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}

/// The base 2 logarithm of `x`, as C's `log2`.
pub fn log2(x: f64) -> f64 {
    libm::log2(x)
}

#[cfg(test)]
mod tests {
    use super::{log2, pow};

    #[test]
    fn pow_gives_the_powers_the_estimate_asks_for() {
        assert_eq!(pow(0.1, 0.0), 1.0);
        assert_eq!(pow(2.0, 10.0), 1024.0);
        assert!((pow(0.1, 1.0) - 0.1).abs() < 1e-17);
        assert!((pow(0.1, 0.5) - 0.316_227_766_016_837_94).abs() < 1e-16);
        assert!((pow(0.1, 2.5) - 0.003_162_277_660_168_379_4).abs() < 1e-18);
    }

    #[test]
    fn log2_gives_the_magnitudes_the_histogram_asks_for() {
        assert_eq!(log2(1.0), 0.0);
        assert_eq!(log2(1024.0), 10.0);
        assert_eq!(log2(200_000.0).ceil(), 18.0);
        assert_eq!(log2(3.0).floor(), 1.0);
    }
}
