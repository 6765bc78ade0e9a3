package switchboard

import "testing"

func TestCampaignTransitions(t *testing.T) {
	states := []string{CampaignDraft, CampaignRunning, CampaignPaused, CampaignCompleted, CampaignStopped}
	want := map[string]map[string]string{ // action → from → to ("" refused)
		CampaignStart:  {CampaignDraft: CampaignRunning},
		CampaignPause:  {CampaignRunning: CampaignPaused},
		CampaignResume: {CampaignPaused: CampaignRunning},
		CampaignStop:   {CampaignRunning: CampaignStopped, CampaignPaused: CampaignStopped},
	}
	for action, allowed := range want {
		from, to, ok := CampaignTransition(action)
		if !ok {
			t.Fatalf("%s unknown", action)
		}
		for _, s := range states {
			got := ""
			for _, f := range from {
				if f == s {
					got = to
				}
			}
			if got != allowed[s] {
				t.Errorf("%s from %s: %q, want %q", action, s, got, allowed[s])
			}
		}
	}
	if _, _, ok := CampaignTransition("complete"); ok {
		t.Error("complete is not an action")
	}
}

func TestLanguageTags(t *testing.T) {
	for tag, ok := range map[string]bool{
		"en-US": true, "en-us": true, "fr": true, "zh-Hant-TW": true, "pt-BR": true,
		"": false, "english": false, "en_US": false, "xx-YY": false, "en-": false, "123": false, "und": false, "en US": false,
	} {
		if got := ValidLanguageTag(tag); got != ok {
			t.Errorf("ValidLanguageTag(%q) = %v, want %v", tag, got, ok)
		}
	}
	in := AssistantInput{Language: sptr(" en-us ")}
	in.Normalize()
	if *in.Language != "en-US" {
		t.Errorf("normalized language %q, want en-US", *in.Language)
	}
}

func TestScheduleValidation(t *testing.T) {
	ok := DefaultSchedule()
	var v Validation
	ok.validate(&v, "s")
	if v.Err() != nil {
		t.Fatalf("default schedule invalid: %v", v.Err())
	}
	for name, s := range map[string]Schedule{
		"Local zone":    {Timezone: "Local", Days: []string{"mon"}, StartTime: "09:00", EndTime: "10:00"},
		"path zone":     {Timezone: "../../etc/passwd", Days: []string{"mon"}, StartTime: "09:00", EndTime: "10:00"},
		"seconds":       {Timezone: "UTC", Days: []string{"mon"}, StartTime: "09:00:00", EndTime: "10:00"},
		"minute 60":     {Timezone: "UTC", Days: []string{"mon"}, StartTime: "09:60", EndTime: "10:00"},
		"date format":   {Timezone: "UTC", Days: []string{"mon"}, StartTime: "09:00", EndTime: "10:00", StartDate: sptr("03/02/2026")},
		"duplicate day": {Timezone: "UTC", Days: []string{"sun", "sat", "sun"}, StartTime: "09:00", EndTime: "10:00"},
	} {
		var v Validation
		s.Normalize()
		s.validate(&v, "s")
		if v.Err() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	s := Schedule{Timezone: " America/New_York ", Days: []string{" MON", "Sun"}, StartTime: "00:00", EndTime: "23:59", StartDate: sptr("2026-03-01"), EndDate: sptr("2026-03-01")}
	s.Normalize()
	var v2 Validation
	s.validate(&v2, "s")
	if v2.Err() != nil || s.Days[0] != "mon" || s.Timezone != "America/New_York" {
		t.Fatalf("normalized schedule %+v: %v", s, v2.Err())
	}
}

func sptr(s string) *string { return &s }
