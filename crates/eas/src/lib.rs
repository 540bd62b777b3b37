//! eas
