package console

import (
	"net/http"
	"testing"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// The console's error pages answer each code with the API's status (api.md's
// status list, and campaigns.md's 502 engine_error).
func TestErrorPageStatusesMatchTheAPI(t *testing.T) {
	for code, want := range map[string]int{
		sb.ECodeNotFound: 404, sb.ECodeForbidden: 403, sb.ECodePlanRequired: 403, sb.ECodePlanLimitReached: 403,
		sb.ECodeOwnerImmutable: 403, sb.ECodeEmailMismatch: 403, sb.ECodeInsufficientMins: 402,
		sb.ECodeEmailTaken: 409, sb.ECodeAlreadyMember: 409, sb.ECodeInvitationPending: 409, sb.ECodeSMTPNotConfigured: 409,
		sb.ECodeHasClients: 409, sb.ECodeInvalidState: 409, sb.ECodeInvitationExpired: 410, sb.ECodeInvitationRevoked: 410,
		sb.ECodeInvitationUsed: 410, sb.ECodeResetExpired: 410, sb.ECodeResetUsed: 410, sb.ECodeTooLarge: 413,
		sb.ECodeValidation: 422, sb.ECodeRateLimited: 429, sb.ECodeSMTPError: 502, sb.ECodeEngineError: http.StatusBadGateway,
		sb.ECodeUnauthorized: 401, sb.ECodeInvalidCredentials: 401, sb.ECodeBadRequest: 400,
	} {
		if got := statusOf(code); got != want {
			t.Errorf("%s: %d, want %d", code, got, want)
		}
	}
}
