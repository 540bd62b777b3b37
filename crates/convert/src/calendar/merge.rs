//! A device's event merged into the stored object.
