use updown::prelude::*;

#[derive(Migration)]
struct AddUserName;

fn main() {}
