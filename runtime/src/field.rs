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

/// The JSON types a field's values may take: a set, so that the types of
/// every place that captures a field of one name can be joined.
///
/// It is what the event catalog (`cargo eventwire catalog`) writes as the
/// field's JSON Schema: a `%` or `?` field is a string; a plain value has
/// the type its [`FieldValue`] declares. [`FieldType::NUMBER`] includes the
/// texts `NaN`, `inf` and `-inf` (JSON has no such numbers), and
/// [`FieldType::NONE`] the text `none` that an `Option`'s `None` is captured as.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FieldType(u8);

impl FieldType {
    /// Not known: nothing captured it yet.
    pub const UNKNOWN: FieldType = FieldType(0);
    /// A JSON integer.
    pub const INTEGER: FieldType = FieldType(1);
    /// A JSON number, or the text `NaN`, `inf` or `-inf`.
    pub const NUMBER: FieldType = FieldType(2);
    /// `true` or `false`.
    pub const BOOLEAN: FieldType = FieldType(4);
    /// A string.
    pub const STRING: FieldType = FieldType(8);
    /// The text `none`: an `Option` that was `None`.
    pub const NONE: FieldType = FieldType(16);
    /// Any value a field can hold: what a [`FieldValue`] that does not
    /// declare its type may give.
    pub const ANY: FieldType = FieldType(1 | 2 | 4 | 8);

    const NAMES: [(FieldType, &'static str); 5] = [
        (FieldType::INTEGER, "integer"),
        (FieldType::NUMBER, "number"),
        (FieldType::BOOLEAN, "boolean"),
        (FieldType::STRING, "string"),
        (FieldType::NONE, "none"),
    ];

    /// Both sets.
    #[must_use]
    pub const fn union(self, other: FieldType) -> FieldType {
        FieldType(self.0 | other.0)
    }

    /// Whether every type of `other` is in this set.
    pub const fn contains(self, other: FieldType) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether nothing is known.
    pub const fn is_unknown(self) -> bool {
        self.0 == 0
    }

    /// The set as bits, for compact storage.
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// The set of `bits` (unknown bits are dropped).
    pub const fn from_bits(bits: u8) -> FieldType {
        FieldType(bits & 31)
    }

    /// The names of its types: `integer`, `number`, `boolean`, `string`, `none`.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        Self::NAMES
            .into_iter()
            .filter(move |(t, _)| self.contains(*t))
            .map(|(_, name)| name)
    }

    /// The set of a type's name, as [`FieldType::names`] writes it.
    pub fn from_name(name: &str) -> Option<FieldType> {
        Self::NAMES
            .into_iter()
            .find(|(_, n)| *n == name)
            .map(|(t, _)| t)
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_unknown() {
            return f.write_str("unknown");
        }
        for (i, name) in self.names().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            f.write_str(name)?;
        }
        Ok(())
    }
}

/// A list of names: `["integer", "none"]`.
impl Serialize for FieldType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.names())
    }
}

impl<'de> Deserialize<'de> for FieldType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let names = Vec::<String>::deserialize(deserializer)?;
        names.iter().try_fold(FieldType::UNKNOWN, |set, name| {
            FieldType::from_name(name)
                .map(|t| set.union(t))
                .ok_or_else(|| serde::de::Error::custom(format!("unknown field type `{name}`")))
        })
    }
}

/// A type whose values can be captured as a field without `%` or `?`:
/// numbers, `bool`, `char`, strings, and references or `Option`s of them.
///
/// Implement it for a type of your own to capture it as it is; give it a
/// [`TYPE`](FieldValue::TYPE) so that the event catalog can say which JSON
/// type the field has (without one, it says any).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be captured as an event field as it is",
    label = "not a number, bool or string",
    note = "capture it with `%` to use its Display text (`name = %value`) or `?` for its Debug text (`name = ?value`)"
)]
pub trait FieldValue {
    /// The JSON types [`to_value`](FieldValue::to_value) gives.
    const TYPE: FieldType = FieldType::ANY;

    /// The value to record.
    fn to_value(&self) -> Value;

    /// The value with its types, for generated code (a method of the
    /// trait, so that a type that cannot be captured is reported as such).
    #[doc(hidden)]
    fn __eventwire_typed(&self) -> (Value, FieldType) {
        (self.to_value(), Self::TYPE)
    }
}

macro_rules! field_value_via {
    ($variant:ident as $target:ty, $json:ident: $($ty:ty),*) => {$(
        impl FieldValue for $ty {
            const TYPE: FieldType = FieldType::$json;
            fn to_value(&self) -> Value {
                Value::$variant(<$target>::from(*self))
            }
        }
    )*};
}

field_value_via!(I64 as i64, INTEGER: i8, i16, i32, i64);
field_value_via!(I64 as i64, INTEGER: u8, u16, u32);
impl FieldValue for f32 {
    const TYPE: FieldType = FieldType::NUMBER;
    fn to_value(&self) -> Value {
        float(f64::from(*self))
    }
}

impl FieldValue for f64 {
    const TYPE: FieldType = FieldType::NUMBER;
    fn to_value(&self) -> Value {
        float(*self)
    }
}
field_value_via!(Bool as bool, BOOLEAN: bool);

impl FieldValue for isize {
    const TYPE: FieldType = FieldType::INTEGER;
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
    const TYPE: FieldType = FieldType::INTEGER;
    fn to_value(&self) -> Value {
        unsigned(*self)
    }
}

impl FieldValue for usize {
    const TYPE: FieldType = FieldType::INTEGER;
    fn to_value(&self) -> Value {
        unsigned(*self as u64)
    }
}

/// 128-bit integers: as a JSON integer while they fit in 64 bits, else as
/// their decimal text (JSON readers seldom keep integers past 64 bits).
impl FieldValue for u128 {
    const TYPE: FieldType = FieldType::INTEGER.union(FieldType::STRING);
    fn to_value(&self) -> Value {
        u64::try_from(*self).map_or_else(|_| Value::Str(self.to_string()), unsigned)
    }
}

/// See `u128`.
impl FieldValue for i128 {
    const TYPE: FieldType = FieldType::INTEGER.union(FieldType::STRING);
    fn to_value(&self) -> Value {
        match (i64::try_from(*self), u64::try_from(*self)) {
            (Ok(v), _) => Value::I64(v),
            (_, Ok(v)) => Value::U64(v),
            _ => Value::Str(self.to_string()),
        }
    }
}

macro_rules! field_value_non_zero {
    ($($ty:ty),*) => {$(
        impl FieldValue for $ty {
            const TYPE: FieldType = <<$ty as NonZeroOf>::Of as FieldValue>::TYPE;
            fn to_value(&self) -> Value {
                self.get().to_value()
            }
        }
    )*};
}

/// The integer a `NonZero` holds.
trait NonZeroOf {
    type Of: FieldValue;
}

macro_rules! non_zero_of {
    ($($ty:ident),*) => {$(
        impl NonZeroOf for std::num::NonZero<$ty> {
            type Of = $ty;
        }
    )*};
}

non_zero_of!(u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize);
field_value_non_zero!(
    std::num::NonZeroU8,
    std::num::NonZeroU16,
    std::num::NonZeroU32,
    std::num::NonZeroU64,
    std::num::NonZeroU128,
    std::num::NonZeroUsize,
    std::num::NonZeroI8,
    std::num::NonZeroI16,
    std::num::NonZeroI32,
    std::num::NonZeroI64,
    std::num::NonZeroI128,
    std::num::NonZeroIsize
);

impl FieldValue for char {
    const TYPE: FieldType = FieldType::STRING;
    fn to_value(&self) -> Value {
        Value::Str(self.to_string())
    }
}

impl FieldValue for str {
    const TYPE: FieldType = FieldType::STRING;
    fn to_value(&self) -> Value {
        Value::Str(self.to_owned())
    }
}

impl FieldValue for String {
    const TYPE: FieldType = FieldType::STRING;
    fn to_value(&self) -> Value {
        Value::Str(self.clone())
    }
}

impl FieldValue for Cow<'_, str> {
    const TYPE: FieldType = FieldType::STRING;
    fn to_value(&self) -> Value {
        Value::Str(self.as_ref().to_owned())
    }
}

impl<T: FieldValue + ?Sized> FieldValue for &T {
    const TYPE: FieldType = T::TYPE;
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

impl<T: FieldValue + ?Sized> FieldValue for &mut T {
    const TYPE: FieldType = T::TYPE;
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

impl<T: FieldValue + ?Sized> FieldValue for Box<T> {
    const TYPE: FieldType = T::TYPE;
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

impl<T: FieldValue + ?Sized> FieldValue for std::sync::Arc<T> {
    const TYPE: FieldType = T::TYPE;
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

/// `None` is recorded as the text `none`, so that a field is never silently absent.
impl<T: FieldValue> FieldValue for Option<T> {
    const TYPE: FieldType = T::TYPE.union(FieldType::NONE);
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

    fn type_of<T: FieldValue + ?Sized>(_: &T) -> FieldType {
        T::TYPE
    }

    #[test]
    fn each_type_declares_the_json_it_gives() {
        assert_eq!(type_of(&1u8), FieldType::INTEGER);
        assert_eq!(type_of(&u64::MAX), FieldType::INTEGER);
        assert_eq!(type_of(&1.5f32), FieldType::NUMBER);
        assert_eq!(type_of(&true), FieldType::BOOLEAN);
        assert_eq!(type_of("x"), FieldType::STRING);
        assert_eq!(type_of(&'x'), FieldType::STRING);
        assert_eq!(type_of(&Cow::Borrowed("x")), FieldType::STRING);
        assert_eq!(type_of(&&mut Box::new(Arc::new(3i16))), FieldType::INTEGER);
        assert_eq!(
            type_of(&Some(2u32)),
            FieldType::INTEGER.union(FieldType::NONE)
        );
        assert_eq!(
            type_of(&Some(Some(0.5f64))),
            FieldType::NUMBER.union(FieldType::NONE)
        );
        struct Own;
        impl FieldValue for Own {
            fn to_value(&self) -> Value {
                Value::Bool(true)
            }
        }
        assert_eq!(type_of(&Own), FieldType::ANY);
    }

    #[test]
    fn wide_and_non_zero_integers_are_captured_as_numbers_while_they_fit() {
        assert_eq!(7u128.to_value(), Value::I64(7));
        assert_eq!(u128::from(u64::MAX).to_value(), Value::U64(u64::MAX));
        assert_eq!(
            u128::MAX.to_value(),
            Value::Str("340282366920938463463374607431768211455".to_owned())
        );
        assert_eq!((-7i128).to_value(), Value::I64(-7));
        assert_eq!(i128::from(u64::MAX).to_value(), Value::U64(u64::MAX));
        assert_eq!(i128::MIN.to_value(), Value::Str(i128::MIN.to_string()));
        assert_eq!(type_of(&1u128), FieldType::INTEGER.union(FieldType::STRING));
        let id = std::num::NonZeroU32::new(9).unwrap();
        assert_eq!(
            (id.to_value(), type_of(&id)),
            (Value::I64(9), FieldType::INTEGER)
        );
        let wide = std::num::NonZeroI128::new(i128::MAX).unwrap();
        assert_eq!(wide.to_value(), Value::Str(i128::MAX.to_string()));
    }

    #[test]
    fn field_types_are_sets_written_as_names() {
        let t = FieldType::INTEGER.union(FieldType::NONE);
        assert!(t.contains(FieldType::INTEGER) && !t.contains(FieldType::STRING));
        assert_eq!(t.to_string(), "integer | none");
        assert_eq!(FieldType::UNKNOWN.to_string(), "unknown");
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, r#"["integer","none"]"#);
        assert_eq!(serde_json::from_str::<FieldType>(&json).unwrap(), t);
        assert!(serde_json::from_str::<FieldType>(r#"["decimal"]"#).is_err());
        assert_eq!(FieldType::from_bits(t.bits()), t);
        assert_eq!(
            FieldType::from_bits(255),
            FieldType::ANY.union(FieldType::NONE)
        );
    }

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
