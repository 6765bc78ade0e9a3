// Package switchboard is the domain of the Switchboard backbone: users, accounts,
// workspaces, roles and the permission table, minute budgets, and the closed set of
// error codes. It imports no infrastructure: storage, HTTP, mail and the command line
// depend on it, never the other way round.
package switchboard
