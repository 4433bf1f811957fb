//! xtask: the project's only automation entry. (Skeleton.)
fn main() {}
