//! devserver: native backend for webchat's demo and tests. (Skeleton: filled in by the devserver issue.)
fn main() {}
