package httpapi

import (
	"net/http"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

func (s *Server) listCampaigns(w http.ResponseWriter, r *http.Request, a actorT) error {
	p, err := pageParams(r)
	if err != nil {
		return err
	}
	items, next, err := s.Campaigns.ListCampaigns(r.Context(), a, r.PathValue("ws"), p)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, list[sb.Campaign]{Items: items, NextCursor: next})
	return nil
}

func (s *Server) createCampaign(w http.ResponseWriter, r *http.Request, a actorT) error {
	var in sb.CampaignInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.Campaigns.CreateCampaign(r.Context(), a, r.PathValue("ws"), in)
	if err != nil {
		return err
	}
	encode(w, http.StatusCreated, out)
	return nil
}

func (s *Server) getCampaign(w http.ResponseWriter, r *http.Request, a actorT) error {
	out, err := s.Campaigns.GetCampaign(r.Context(), a, r.PathValue("ws"), r.PathValue("id"))
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, out)
	return nil
}

func (s *Server) updateCampaign(w http.ResponseWriter, r *http.Request, a actorT) error {
	var in sb.CampaignInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.Campaigns.UpdateCampaign(r.Context(), a, r.PathValue("ws"), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, out)
	return nil
}

func (s *Server) deleteCampaign(w http.ResponseWriter, r *http.Request, a actorT) error {
	if err := s.Campaigns.DeleteCampaign(r.Context(), a, r.PathValue("ws"), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// campaignAction returns the handler of one state-machine action.
func (s *Server) campaignAction(action string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, a actorT) error {
		out, err := s.Campaigns.ChangeCampaignState(r.Context(), a, r.PathValue("ws"), r.PathValue("id"), action)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, out)
		return nil
	}
}
