//! Options of one site, written after its event: `ToolErrored(on = err |
//! cancel)`, `AcceptFailed(untested = "needs 127 s of backoff")`.

use super::phases::PhaseList;
use syn::parse::ParseStream;
use syn::{Ident, LitStr, Token};

/// What a site may say of itself.
#[derive(Clone, Default)]
pub struct SiteOptions {
    /// Its phases, overriding the variant's: `on = err | cancel`.
    pub on: Option<PhaseList>,
    /// A waiver: tests need not run this site, for the reason given.
    pub untested: Option<LitStr>,
}

impl SiteOptions {
    /// The reason of the waiver, if any.
    pub fn waiver(&self) -> Option<String> {
        self.untested.as_ref().map(LitStr::value)
    }

    /// Parses the inside of `Event(..)`; `phases` says whether `on = ..` is
    /// allowed (it is not for `emit!`, which fires in the body).
    ///
    /// # Errors
    ///
    /// An unknown or repeated key, an empty reason, `on` where it is not allowed.
    pub fn parse(input: ParseStream<'_>, event: &Ident, phases: bool) -> syn::Result<Self> {
        let expected = if phases {
            format!("expected `{event}(on = <phase>)` or `{event}(untested = \"why\")`")
        } else {
            format!("expected `{event}(untested = \"why\")`")
        };
        let mut options = SiteOptions::default();
        while !input.is_empty() {
            let key: Ident = input
                .parse()
                .map_err(|e| syn::Error::new(e.span(), &expected))?;
            let twice = || syn::Error::new(key.span(), format!("`{key}` is given twice"));
            match key.to_string().as_str() {
                "on" if phases => {
                    input.parse::<Token![=]>()?;
                    if options.on.is_some() {
                        return Err(twice());
                    }
                    options.on = Some(PhaseList::parse(input)?);
                }
                "on" => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("an `emit!` fires where it is written (phase `body`); remove `on = ..`, or list `{event}` in #[emits(..)] to fire it on a phase"),
                    ))
                }
                "untested" => {
                    if options.untested.is_some() {
                        return Err(twice());
                    }
                    let need_reason = |span| {
                        syn::Error::new(
                            span,
                            "a waiver needs a reason: `untested = \"why no test can run this site\"`",
                        )
                    };
                    if !input.peek(Token![=]) {
                        return Err(need_reason(key.span()));
                    }
                    input.parse::<Token![=]>()?;
                    let reason: LitStr = input.parse().map_err(|e| need_reason(e.span()))?;
                    if reason.value().trim().is_empty() {
                        return Err(need_reason(reason.span()));
                    }
                    options.untested = Some(reason);
                }
                _ => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("unknown site option `{key}`; {expected}"),
                    ))
                }
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(options)
    }
}
