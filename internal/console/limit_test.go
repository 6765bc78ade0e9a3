package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Parallel wrong passwords for one email cannot all pass the limit: the token is
// taken before the password is checked, as in the API (10 a minute per email).
func TestLoginLimitHoldsUnderParallelGuesses(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		s.signUp("Ada", "ada@example.com")
		form := url.Values{"email": {"ada@example.com"}, "password": {"wrong password"}}.Encode()
		var mu sync.Mutex
		statuses := map[int]int{}
		var wg sync.WaitGroup
		for range 25 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest("POST", s.srv.URL+"/login", strings.NewReader(form))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Origin", s.srv.URL)
				req.Header.Set("Sec-Fetch-Site", "same-origin")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
				mu.Lock()
				statuses[res.StatusCode]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		if statuses[http.StatusTooManyRequests] < 15 {
			t.Errorf("25 parallel wrong passwords answered %v: want at least 15 refused with 429", statuses)
		}
	})
}
