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
