//! Only the test below.
