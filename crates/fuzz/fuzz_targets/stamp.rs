//! The stamp of `rpub --stamp` as `rsub --check-seq` and `--latency` read it
//! (`rpubsub_core::stamp`): every payload a broker delivers to them goes through the decoder.
//! No input may panic, and a stamp read from any payload must read back the same once written
//! again with the encoder.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rpubsub_core::stamp::{self, Decoded};

fuzz_target!(|data: &[u8]| {
    if let Decoded::Stamped(read, body) = stamp::decode(data) {
        let written = stamp::encode(&read, body);
        assert_eq!(stamp::decode(&written), Decoded::Stamped(read, body));
    }
});
