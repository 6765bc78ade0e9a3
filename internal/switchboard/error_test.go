package switchboard

import "testing"

func TestValidationErrGrammar(t *testing.T) {
	for n, want := range map[int]string{
		1: "first",
		2: "first (and 1 more problem; see errors)",
		3: "first (and 2 more problems; see errors)",
	} {
		var v Validation
		v.Add("body.a", "first")
		for i := 1; i < n; i++ {
			v.Add("body.b", "other")
		}
		if got := ErrorMessage(v.Err()); got != want {
			t.Errorf("%d fields: %q, want %q", n, got, want)
		}
	}
}
