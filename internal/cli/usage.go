package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// command describes a subcommand for its -h: what it does, its positional
// arguments and an example.
type command struct {
	name     string // "minutes grant"
	args     string // "ACCOUNT MINUTES"
	summary  string
	argHelp  [][2]string // argument, meaning
	examples []string
}

// errHelpShown ends a command whose -h was answered: Run returns nil (exit 0).
var errHelpShown = errors.New("help shown")

// flagSet makes the command's flag set; its usage shows the arguments, an example
// and the flags.
func (c command) flagSet() *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// usage writes the command's help.
func (c command) usage(w io.Writer, fs *flag.FlagSet) {
	synopsis := "switchboard " + c.name
	if c.args != "" {
		synopsis += " " + c.args
	}
	fmt.Fprintf(w, "Usage: %s [flags]\n\n%s\n", synopsis, c.summary)
	if len(c.argHelp) > 0 {
		fmt.Fprintln(w, "\nArguments:")
		for _, a := range c.argHelp {
			fmt.Fprintf(w, "  %-10s %s\n", a[0], a[1])
		}
	}
	if len(c.examples) > 0 {
		fmt.Fprintln(w, "\nExample:")
		for _, e := range c.examples {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
	fmt.Fprint(w, "\nFlags:")
	buf := bytes.NewBufferString("\n")
	fs.SetOutput(buf)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	// Flags are shown as they are documented: --name.
	w.Write(bytes.ReplaceAll(buf.Bytes(), []byte("\n  -"), []byte("\n  --")))
}

// parse parses args (flags may come before, between or after the positional
// arguments). -h prints the help to stdout and gives errHelpShown; a bad flag
// prints it to stderr.
func (c command) parse(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) ([]string, error) {
	pos, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		c.usage(stdout, fs)
		return nil, errHelpShown
	}
	if err != nil {
		c.usage(stderr, fs)
		return nil, fmt.Errorf("%s: %w", c.name, err)
	}
	return pos, nil
}

// parseArgs is parse followed by wantArgs: the flags, then exactly the
// command's positional arguments.
func (c command) parseArgs(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) ([]string, error) {
	pos, err := c.parse(fs, args, stdout, stderr)
	if err != nil {
		return nil, err
	}
	return pos, c.wantArgs(pos, stderr, fs)
}

// wantArgs checks the number of positional arguments.
func (c command) wantArgs(pos []string, stderr io.Writer, fs *flag.FlagSet) error {
	if n := len(c.argHelp); len(pos) != n {
		c.usage(stderr, fs)
		if len(pos) < n {
			return fmt.Errorf("%s needs %s; missing %s", c.name, c.args, c.argHelp[len(pos)][0])
		}
		return fmt.Errorf("%s takes %s; remove %q", c.name, c.args, strings.Join(pos[n:], " "))
	}
	return nil
}

// isNegativeNumber tells "-5" (a positional argument) from a flag.
func isNegativeNumber(s string) bool {
	if len(s) < 2 || s[0] != '-' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// requireDatabase refuses to run an operator command on a SQLite database that
// does not exist (it would create an empty one and show nothing).
func (d *dbFlags) requireDatabase() error {
	if isPostgres(d.databaseURL) {
		return nil
	}
	dir := d.dataDir
	if dir == "" {
		dir = "data"
	}
	path := filepath.Join(dir, "switchboard.db")
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		abs, _ := filepath.Abs(path)
		return fmt.Errorf("no database at %s; pass --data-dir (or SWITCHBOARD_DATA_DIR) with the server's data directory, or --database-url for PostgreSQL", abs)
	}
	return nil
}

func isPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// groupUsage is the help of a command group such as "accounts".
func groupUsage(w io.Writer, group string, cmds []command) {
	fmt.Fprintf(w, "Usage: switchboard %s <command> [flags]\n\nCommands:\n", group)
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-36s %s\n", c.name+" "+c.args, c.summary)
	}
	fmt.Fprintf(w, "\nRun switchboard %s <command> -h for its arguments and flags.\n", group)
}
