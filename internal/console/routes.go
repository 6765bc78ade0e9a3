package console

import sb "github.com/switchboard/switchboard/internal/switchboard"

// pages is the whole surface of the console: every URL, who may open it, and what
// it needs. Workspace pages name the permission-table action they need; the
// handler then calls the same service as the API with the same actor.
func (c *Console) pages() []page {
	return []page{
		{"GET", "/{$}", authNone, 0, c.home, nil},
		{"GET", "/login", authNone, 0, c.loginPage, nil},
		{"POST", "/login", authNone, 0, c.login, c.loginPage},
		{"GET", "/signup", authNone, 0, c.signupPage, nil},
		{"POST", "/signup", authNone, 0, c.signup, c.signupPage},
		{"POST", "/logout", authSignedIn, 0, c.logout, nil},

		{"GET", "/w/{ws}", authWorkspace, sb.ActionViewWorkspace, c.dashboard, nil},
	}
}
