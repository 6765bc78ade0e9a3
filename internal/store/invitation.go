package store

import (
	"context"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// checkInvitationForSignUp checks that an invitation token is usable and names email.
func (t *tx) checkInvitationForSignUp(ctx context.Context, token, email string) error {
	return sb.NotFound("Invitation")
}

// acceptInvitation uses an invitation token for actor.
func (t *tx) acceptInvitation(ctx context.Context, actor sb.Actor, token string) (*sb.Member, error) {
	return nil, sb.NotFound("Invitation")
}
