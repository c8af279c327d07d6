//! A token's state as the shells name it.

use ichie_core::token;

/// Active, or revoked by the issuer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TokenState {
    /// In use.
    Active,
    /// The issuer revoked it; kept so the user sees what happened.
    Revoked,
}

impl From<token::TokenState> for TokenState {
    fn from(state: token::TokenState) -> Self {
        match state {
            token::TokenState::Active => Self::Active,
            token::TokenState::Revoked => Self::Revoked,
        }
    }
}

impl From<TokenState> for token::TokenState {
    fn from(state: TokenState) -> Self {
        match state {
            TokenState::Active => Self::Active,
            TokenState::Revoked => Self::Revoked,
        }
    }
}
