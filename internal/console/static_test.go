package console

import "testing"

// All static files together stay under 200 KB, and each is served under a name that
// changes with its content.
func TestStaticFilesSmall(t *testing.T) {
	s, err := loadStatic()
	if err != nil {
		t.Fatal(err)
	}
	if n := s.TotalBytes(); n >= 200<<10 {
		t.Fatalf("static files are %d bytes, over 200 KB", n)
	}
	u, err := s.url("app.css")
	if err != nil || len(u) < len("/assets/app.12345678.css") {
		t.Fatalf("fingerprinted URL %q %v", u, err)
	}
}

func TestInkContrast(t *testing.T) {
	for color, want := range map[string]string{"#ffffff": "#000000", "#ffee00": "#000000", "#000000": "#ffffff", "#2f5bd3": "#ffffff", "bad": "#ffffff"} {
		if got := inkOn(color); got != want {
			t.Errorf("ink on %s: %s, want %s", color, got, want)
		}
	}
}

func TestUsageBar(t *testing.T) {
	b := func(n int64) *int64 { return &n }
	for _, c := range []struct {
		used   int64
		budget *int64
		pct    int
		over   bool
	}{
		{0, nil, 0, false},
		{30, b(1), 50, false},
		{60, b(1), 100, false},
		{61, b(1), 100, true},
		{5, b(0), 100, true},
		{0, b(0), 0, false},
	} {
		got := newUsageBar(c.used, c.budget)
		if got.Pct != c.pct || got.Over != c.over {
			t.Errorf("%d s of %v: %+v", c.used, c.budget, got)
		}
	}
}
