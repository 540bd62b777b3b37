//! A small EAS client for black-box tests.
