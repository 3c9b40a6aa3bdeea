package ast

// CreateTrigger is CREATE [OR REPLACE] [SYNC | DEFERRED] TRIGGER name
// {BEFORE | AFTER | INSTEAD OF} event [OR event ...] ON collection FOR
// EACH {ROW | STATEMENT} [WHEN (cond)] [PRIORITY n] [SECURITY DEFINER]
// [WITH (EXECUTION = ...)] BEGIN ... END (or AS $$ ... $$).
type CreateTrigger struct {
	Pos        int
	Name       string
	OrReplace  bool
	Mode       string // "SYNC", "DEFERRED" from the prefix, or ""
	Timing     string // "BEFORE", "AFTER", "INSTEAD OF"
	Events     []string
	Collection string
	ForEach    string // "ROW", "STATEMENT"
	When       string // the condition's source text, or ""
	Priority   int
	Definer    bool
	With       []Option
	// Body is the body's source, a block ([DECLARE ...] BEGIN ... END);
	// Block is its parse.
	Body  string
	Block *Block
}

// DropTrigger is DROP TRIGGER [IF EXISTS] name ON collection.
type DropTrigger struct {
	Pos        int
	Name       string
	Collection string
	IfExists   bool
}

// AlterTrigger is ALTER TRIGGER name ON collection ENABLE | DISABLE.
type AlterTrigger struct {
	Pos        int
	Name       string
	Collection string
	Enable     bool
}

// ShowTriggers is SHOW TRIGGERS [ON collection].
type ShowTriggers struct {
	Pos        int
	Collection string
}

// TriggerDeadLetters is SHOW | REPLAY | PURGE TRIGGER DEAD LETTERS [FOR
// trigger ON collection].
type TriggerDeadLetters struct {
	Pos        int
	Action     string // "show", "replay", "purge"
	Name       string
	Collection string
}

func (*CreateTrigger) stmt()      {}
func (*DropTrigger) stmt()        {}
func (*AlterTrigger) stmt()       {}
func (*ShowTriggers) stmt()       {}
func (*TriggerDeadLetters) stmt() {}
