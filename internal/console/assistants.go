package console

import (
	"encoding/json"
	"net/http"
	"strconv"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

type assistantsView struct {
	Layout
	Assistants []sb.Assistant
	Next       string
}

// assistants lists the assistants; admin+ also gets the create form.
func (c *Console) assistants(w http.ResponseWriter, r *http.Request, rq *request) error {
	list, next, err := c.Assistants.ListAssistants(r.Context(), rq.Actor, rq.WS.ID, sb.Page{Limit: sb.DefaultPageLimit, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		if err := getProblem(rq, err); err != nil {
			return err
		}
	}
	v := assistantsView{Assistants: list}
	if next != "" {
		v.Next = withQuery(wsURL(rq, "/assistants"), "cursor", next)
	}
	v.Layout = c.layout(rq, "Assistants")
	return c.render(w, rq, "assistants", v)
}

// assistantInput reads name, first_message, system_prompt, voice, language, model.
func assistantInput(r *http.Request) sb.AssistantInput {
	return sb.AssistantInput{Name: formPtr(r, "name"), FirstMessage: formPtr(r, "first_message"), SystemPrompt: formPtr(r, "system_prompt"),
		Voice: formPtr(r, "voice"), Language: formPtr(r, "language"), Model: formPtr(r, "model")}
}

func (c *Console) createAssistant(w http.ResponseWriter, r *http.Request, rq *request) error {
	a, err := c.Assistants.CreateAssistant(r.Context(), rq.Actor, rq.WS.ID, assistantInput(r))
	if err != nil {
		return err
	}
	c.flashRedirect(w, r, "Assistant "+a.Name+" created.", true, wsURL(rq, "/assistants/", a.ID))
	return nil
}

type assistantView struct {
	Layout
	Assistant *sb.Assistant
}

func (c *Console) assistant(w http.ResponseWriter, r *http.Request, rq *request) error {
	a, err := c.Assistants.GetAssistant(r.Context(), rq.Actor, rq.WS.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := assistantView{Assistant: a}
	v.Layout = c.layout(rq, a.Name)
	return c.render(w, rq, "assistant", v)
}

func (c *Console) updateAssistant(w http.ResponseWriter, r *http.Request, rq *request) error {
	a, err := c.Assistants.UpdateAssistant(r.Context(), rq.Actor, rq.WS.ID, r.PathValue("id"), assistantInput(r))
	if err != nil {
		return err
	}
	c.flashRedirect(w, r, "Assistant saved.", true, wsURL(rq, "/assistants/", a.ID))
	return nil
}

func (c *Console) deleteAssistant(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := c.Assistants.DeleteAssistant(r.Context(), rq.Actor, rq.WS.ID, r.PathValue("id")); err != nil {
		return err
	}
	c.flashRedirect(w, r, "Assistant deleted.", true, wsURL(rq, "/assistants"))
	return nil
}

type workflowsView struct {
	Layout
	Workflows []sb.Workflow
	Next      string
}

// workflows lists the workflows; admin+ also gets the create form.
func (c *Console) workflows(w http.ResponseWriter, r *http.Request, rq *request) error {
	list, next, err := c.Workflows.ListWorkflows(r.Context(), rq.Actor, rq.WS.ID, sb.Page{Limit: sb.DefaultPageLimit, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		if err := getProblem(rq, err); err != nil {
			return err
		}
	}
	v := workflowsView{Workflows: list}
	if next != "" {
		v.Next = withQuery(wsURL(rq, "/workflows"), "cursor", next)
	}
	v.Layout = c.layout(rq, "Workflows")
	return c.render(w, rq, "workflows", v)
}

// workflowInput reads name and definition (the draft, a JSON object as text).
func workflowInput(r *http.Request) sb.WorkflowInput {
	in := sb.WorkflowInput{Name: formPtr(r, "name")}
	if d := formPtr(r, "definition"); d != nil {
		in.Definition = json.RawMessage(*d)
		if *d == "" {
			in.Definition = json.RawMessage("null")
		}
	}
	return in
}

func (c *Console) createWorkflow(w http.ResponseWriter, r *http.Request, rq *request) error {
	in := workflowInput(r)
	if in.Definition == nil {
		in.Definition = json.RawMessage("{}")
	}
	wf, err := c.Workflows.CreateWorkflow(r.Context(), rq.Actor, rq.WS.ID, in)
	if err != nil {
		return err
	}
	c.flashRedirect(w, r, "Workflow "+wf.Name+" created.", true, wsURL(rq, "/workflows/", wf.ID))
	return nil
}

type workflowView struct {
	Layout
	Workflow   *sb.Workflow
	Definition string
	Versions   []sb.WorkflowVersion
}

// workflow is the draft editor (definition JSON), deploy, and the version list.
func (c *Console) workflow(w http.ResponseWriter, r *http.Request, rq *request) error {
	wf, err := c.Workflows.GetWorkflow(r.Context(), rq.Actor, rq.WS.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	versions, err := c.Workflows.ListWorkflowVersions(r.Context(), rq.Actor, rq.WS.ID, wf.ID)
	if err != nil {
		return err
	}
	v := workflowView{Workflow: wf, Versions: versions, Definition: indentJSON(wf.Definition)}
	v.Layout = c.layout(rq, wf.Name)
	if v.Form != nil {
		v.Definition = v.Form.Get("definition")
	}
	return c.render(w, rq, "workflow", v)
}

func indentJSON(b []byte) string {
	var out []byte
	var x any
	if json.Unmarshal(b, &x) == nil {
		if ind, err := json.MarshalIndent(x, "", "  "); err == nil {
			out = ind
		}
	}
	if out == nil {
		out = b
	}
	return string(out)
}

func (c *Console) updateWorkflow(w http.ResponseWriter, r *http.Request, rq *request) error {
	wf, err := c.Workflows.UpdateWorkflow(r.Context(), rq.Actor, rq.WS.ID, r.PathValue("id"), workflowInput(r))
	if err != nil {
		return err
	}
	c.flashRedirect(w, r, "Draft saved.", true, wsURL(rq, "/workflows/", wf.ID))
	return nil
}

func (c *Console) deployWorkflow(w http.ResponseWriter, r *http.Request, rq *request) error {
	v, err := c.Workflows.DeployWorkflow(r.Context(), rq.Actor, rq.WS.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	c.flashRedirect(w, r, "Version "+strconv.FormatInt(v.Version, 10)+" deployed.", true, wsURL(rq, "/workflows/", r.PathValue("id")))
	return nil
}

func (c *Console) deleteWorkflow(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := c.Workflows.DeleteWorkflow(r.Context(), rq.Actor, rq.WS.ID, r.PathValue("id")); err != nil {
		return err
	}
	c.flashRedirect(w, r, "Workflow deleted.", true, wsURL(rq, "/workflows"))
	return nil
}
