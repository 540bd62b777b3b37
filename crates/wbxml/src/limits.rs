//! Resource limits for decoding untrusted input.

/// Bounds on what one decoded document may use. Each exceeded bound is its own
/// [`DecodeError`](crate::DecodeError) variant.
///
/// `max_depth` also bounds the recursion of the derived `Drop`, `Clone`, `PartialEq` and `Debug`
/// of the decoded tree, so keep it in the hundreds at most.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Elements nested inside each other, the root counting as 1.
    pub max_depth: usize,
    /// Elements in the whole document.
    pub max_elements: usize,
    /// Bytes in one STR_I string.
    pub max_text_len: usize,
    /// Bytes in one OPAQUE value.
    pub max_opaque_len: usize,
}

impl Default for Limits {
    /// Generous for every real EAS document (the deepest, a Sync response with an
    /// exception list, nests about 10 levels) while refusing what would exhaust the stack
    /// or memory.
    fn default() -> Self {
        Limits {
            max_depth: 64,
            max_elements: 1_000_000,
            max_text_len: 64 << 20,
            max_opaque_len: 64 << 20,
        }
    }
}
