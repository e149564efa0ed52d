//! Values captured from a call with `fields(..)` or `emit!(.., name = value)`.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// One captured value. It serialises as the plain JSON scalar.
///
/// JSON has no NaN or infinity: a float that is not finite is captured as
/// the text `NaN`, `inf` or `-inf` (and, should an `F64` hold one, written
/// so), so that every event written reads back.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// A boolean.
    Bool(bool),
    /// A signed integer.
    I64(i64),
    /// An unsigned integer too large for `i64`.
    U64(u64),
    /// A floating-point number.
    F64(f64),
    /// Text: a string, or a value captured with `%` (Display) or `?` (Debug).
    Str(String),
}

impl Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Bool(v) => serializer.serialize_bool(*v),
            Value::I64(v) => serializer.serialize_i64(*v),
            Value::U64(v) => serializer.serialize_u64(*v),
            Value::F64(v) if v.is_finite() => serializer.serialize_f64(*v),
            Value::F64(v) => serializer.collect_str(v),
            Value::Str(v) => serializer.serialize_str(v),
        }
    }
}

/// A float as a field: a number if finite, else its text.
fn float(v: f64) -> Value {
    if v.is_finite() {
        Value::F64(v)
    } else {
        Value::Str(v.to_string())
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(v) => v.fmt(f),
            Value::I64(v) => v.fmt(f),
            Value::U64(v) => v.fmt(f),
            Value::F64(v) => v.fmt(f),
            Value::Str(v) => v.fmt(f),
        }
    }
}

/// A type whose values can be captured as a field without `%` or `?`:
/// numbers, `bool`, `char`, strings, and references or `Option`s of them.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be captured as an event field as it is",
    label = "not a number, bool or string",
    note = "capture it with `%` to use its Display text (`name = %value`) or `?` for its Debug text (`name = ?value`)"
)]
pub trait FieldValue {
    /// The value to record.
    fn to_value(&self) -> Value;
}

macro_rules! field_value_via {
    ($variant:ident as $target:ty: $($ty:ty),*) => {$(
        impl FieldValue for $ty {
            fn to_value(&self) -> Value {
                Value::$variant(<$target>::from(*self))
            }
        }
    )*};
}

field_value_via!(I64 as i64: i8, i16, i32, i64);
field_value_via!(I64 as i64: u8, u16, u32);
impl FieldValue for f32 {
    fn to_value(&self) -> Value {
        float(f64::from(*self))
    }
}

impl FieldValue for f64 {
    fn to_value(&self) -> Value {
        float(*self)
    }
}
field_value_via!(Bool as bool: bool);

impl FieldValue for isize {
    fn to_value(&self) -> Value {
        // isize is at most 64 bits on every supported target.
        Value::I64(*self as i64)
    }
}

/// Unsigned values that fit in `i64` are recorded as `I64`, so that a value
/// reads back from JSON as the variant it was captured as.
fn unsigned(v: u64) -> Value {
    i64::try_from(v).map_or(Value::U64(v), Value::I64)
}

impl FieldValue for u64 {
    fn to_value(&self) -> Value {
        unsigned(*self)
    }
}

impl FieldValue for usize {
    fn to_value(&self) -> Value {
        unsigned(*self as u64)
    }
}

impl FieldValue for char {
    fn to_value(&self) -> Value {
        Value::Str(self.to_string())
    }
}

impl FieldValue for str {
    fn to_value(&self) -> Value {
        Value::Str(self.to_owned())
    }
}

impl FieldValue for String {
    fn to_value(&self) -> Value {
        Value::Str(self.clone())
    }
}

impl FieldValue for Cow<'_, str> {
    fn to_value(&self) -> Value {
        Value::Str(self.as_ref().to_owned())
    }
}

impl<T: FieldValue + ?Sized> FieldValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

impl<T: FieldValue + ?Sized> FieldValue for &mut T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

impl<T: FieldValue + ?Sized> FieldValue for Box<T> {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

impl<T: FieldValue + ?Sized> FieldValue for std::sync::Arc<T> {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

/// `None` is recorded as the text `none`, so that a field is never silently absent.
impl<T: FieldValue> FieldValue for Option<T> {
    fn to_value(&self) -> Value {
        match self {
            Some(v) => v.to_value(),
            None => Value::Str("none".to_owned()),
        }
    }
}

/// The named values an event carries, in the order they were captured.
///
/// Shared, not copied: the events of one call carry the same fields, so
/// cloning is a reference count, and adding to a shared list copies it
/// first (only the `emit!`s that add their own fields do).
#[derive(Clone, Debug, Default)]
pub struct Fields(Option<Arc<Vec<Field>>>);

/// One captured field: its name and value.
type Field = (Cow<'static, str>, Value);

impl PartialEq for Fields {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Fields {
    /// No fields.
    pub const fn new() -> Self {
        Fields(None)
    }

    fn as_slice(&self) -> &[Field] {
        self.0.as_deref().map_or(&[], Vec::as_slice)
    }

    /// Adds a field (the generated code calls this).
    pub fn push(&mut self, name: impl Into<Cow<'static, str>>, value: Value) {
        Arc::make_mut(self.0.get_or_insert_with(Arc::default)).push((name.into(), value));
    }

    /// Adds a field captured with its `Display` text (`name = %value`).
    pub fn push_display(&mut self, name: &'static str, value: &(impl fmt::Display + ?Sized)) {
        self.push(name, Value::Str(value.to_string()));
    }

    /// Adds a field captured with its `Debug` text (`name = ?value`).
    pub fn push_debug(&mut self, name: &'static str, value: &(impl fmt::Debug + ?Sized)) {
        self.push(name, Value::Str(format!("{value:?}")));
    }

    /// Adds a field captured as it is (`name = value`).
    pub fn push_value(&mut self, name: &'static str, value: &(impl FieldValue + ?Sized)) {
        self.push(name, value.to_value());
    }

    /// The value of the field named `name` (the last one, if captured twice).
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.as_slice()
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// The fields in capture order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.as_slice().iter().map(|(n, v)| (n.as_ref(), v))
    }

    /// How many fields there are.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }
}

/// A JSON object, in capture order.
impl Serialize for Fields {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Fields;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of event fields")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Fields, A::Error> {
                let mut fields = Fields::new();
                while let Some((name, value)) = map.next_entry::<String, Value>()? {
                    fields.push(name, value);
                }
                Ok(fields)
            }
        }
        deserializer.deserialize_map(Visit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_each_convention() {
        let mut fields = Fields::new();
        fields.push_display("tool", "grep");
        fields.push_debug("status", &Some(3));
        fields.push_value("attempt", &2u32);
        fields.push_value("ratio", &0.5f32);
        fields.push_value("missing", &None::<u8>);
        assert_eq!(fields.get("tool"), Some(&Value::Str("grep".into())));
        assert_eq!(fields.get("status"), Some(&Value::Str("Some(3)".into())));
        assert_eq!(fields.get("attempt"), Some(&Value::I64(2)));
        assert_eq!(fields.get("ratio"), Some(&Value::F64(0.5)));
        assert_eq!(fields.get("missing"), Some(&Value::Str("none".into())));
        assert_eq!(fields.get("absent"), None);
    }

    #[test]
    fn fields_round_trip_through_json_in_order() {
        let mut fields = Fields::new();
        fields.push_value("b", &-1i32);
        fields.push_value("a", &true);
        fields.push_display("c", "x");
        fields.push_value("big", &u64::MAX);
        let json = serde_json::to_string(&fields).unwrap();
        assert_eq!(
            json,
            r#"{"b":-1,"a":true,"c":"x","big":18446744073709551615}"#
        );
        let back: Fields = serde_json::from_str(&json).unwrap();
        assert_eq!(back, fields);
    }
}
