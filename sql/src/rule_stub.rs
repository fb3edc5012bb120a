//! TEMPORARY: replaced by the rule registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Rule { DropTable, DropSchema, DropDatabase, DropColumn, DropIndex, DropView, Truncate, DeleteWithoutWhere, UpdateWithoutWhere, AlterColumnType, DropNotNull, DropDefault, RenameTable, RenameColumn, CreateIndexWithoutConcurrently, ForeignKeyWithoutNotValid, CheckWithoutNotValid, SetNotNull, VolatileDefault, ConcurrentlyInTransaction, CreatedButNotDropped, DroppedColumnNotRestored, SyntaxError }
impl Rule {
    pub const ALL: &'static [Rule] = &[Rule::DropTable, Rule::DropSchema, Rule::DropDatabase, Rule::DropColumn, Rule::DropIndex, Rule::DropView, Rule::Truncate, Rule::DeleteWithoutWhere, Rule::UpdateWithoutWhere, Rule::AlterColumnType, Rule::DropNotNull, Rule::DropDefault, Rule::RenameTable, Rule::RenameColumn, Rule::CreateIndexWithoutConcurrently, Rule::ForeignKeyWithoutNotValid, Rule::CheckWithoutNotValid, Rule::SetNotNull, Rule::VolatileDefault, Rule::ConcurrentlyInTransaction, Rule::CreatedButNotDropped, Rule::DroppedColumnNotRestored, Rule::SyntaxError];
    pub fn name(self) -> &'static str {
        const N: &[&str] = &["drop-table","drop-schema","drop-database","drop-column","drop-index","drop-view","truncate","delete-without-where","update-without-where","alter-column-type","drop-not-null","drop-default","rename-table","rename-column","create-index-without-concurrently","foreign-key-without-not-valid","check-without-not-valid","set-not-null","volatile-default","concurrently-in-transaction","created-but-not-dropped","dropped-column-not-restored","syntax-error"];
        N[Self::ALL.iter().position(|r| *r == self).unwrap()]
    }
    pub fn from_name(name: &str) -> Option<Rule> { Self::ALL.iter().copied().find(|r| r.name() == name) }
    pub fn is_destructive(self) -> bool { crate::rules::DESTRUCTIVE_RULES.contains(&self.name()) }
}
impl std::fmt::Display for Rule { fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.name()) } }
