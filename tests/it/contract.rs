//! Names the product contract (shared/spec/PRODUCT.md) fixes, shared by the test modules.

/// The 17 stable comparison aspect ids.
pub const ASPECTS: &[&str] = &[
    "architecture",
    "orm",
    "templating",
    "authentication",
    "admin",
    "security",
    "performance",
    "scalability",
    "async",
    "rest-api",
    "learning-curve",
    "flexibility",
    "ecosystem",
    "i18n",
    "testing",
    "deployment",
    "ml",
];
