//! The path through which generated code reaches the runtime.

use proc_macro2::{Span, TokenStream};
use quote::quote;

/// `::eventwire::__private_vX_Y_Z`, named for this crate's version, which
/// the workspace keeps equal to the runtime's.
pub(crate) fn private() -> TokenStream {
    let module = syn::Ident::new(
        &format!(
            "__private_v{}",
            env!("CARGO_PKG_VERSION").replace(['.', '-'], "_")
        ),
        Span::call_site(),
    );
    quote!(::eventwire::#module)
}
