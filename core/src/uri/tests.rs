//! Tests of otpauth URIs and migration exports.
use super::*;
