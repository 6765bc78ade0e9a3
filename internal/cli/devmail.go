package cli

import "flag"

// flagOrEnvSet reports whether the flag was given on the command line or through
// its environment variable, as opposed to left at its default.
func flagOrEnvSet(fs *flag.FlagSet, getenv func(string) string, name, env string) bool {
	if getenv(env) != "" {
		return true
	}
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}
