package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

type contactsView struct {
	Layout
	Contacts []sb.Contact
	Q, Tag   string
	Next     string
	// DoNotCall marks the contacts the store reports as do_not_call (read from
	// their JSON, so that the field shows once the dialler adds it).
	DoNotCall map[string]bool
}

// doNotCall reads do_not_call from the contacts' JSON.
func doNotCall(list []sb.Contact) map[string]bool {
	out := map[string]bool{}
	for _, c := range list {
		b, err := json.Marshal(c)
		if err != nil {
			continue
		}
		var m struct {
			DoNotCall bool `json:"do_not_call"`
		}
		if json.Unmarshal(b, &m) == nil && m.DoNotCall {
			out[c.ID] = true
		}
	}
	return out
}

// contacts lists contacts (q, tag, keyset paging by cursor); manager+ also gets
// the add form, and the bulk tag and delete forms over the list.
func (c *Console) contacts(w http.ResponseWriter, r *http.Request, rq *request) error {
	q := r.URL.Query()
	v := contactsView{Q: q.Get("q"), Tag: q.Get("tag")}
	list, next, err := c.Contacts.ListContacts(r.Context(), rq.Actor, rq.WS.ID,
		sb.ContactFilter{Q: v.Q, Tag: v.Tag, Page: sb.Page{Limit: sb.DefaultPageLimit, Cursor: q.Get("cursor")}})
	if err != nil {
		if err := getProblem(rq, err); err != nil {
			return err
		}
	}
	v.Contacts = list
	v.DoNotCall = doNotCall(list)
	if next != "" {
		v.Next = withQuery(wsURL(rq, "/contacts"), "q", v.Q, "tag", v.Tag, "cursor", next)
	}
	v.Layout = c.layout(rq, "Contacts")
	return c.render(w, rq, "contacts", v)
}

// createContact adds a contact: first_name, last_name, phone, email, company,
// tags (comma-separated), default_region.
func (c *Console) createContact(w http.ResponseWriter, r *http.Request, rq *request) error {
	in := sb.ContactInput{
		FirstName: r.PostFormValue("first_name"), LastName: r.PostFormValue("last_name"),
		Phone: r.PostFormValue("phone"), Email: r.PostFormValue("email"), Company: r.PostFormValue("company"),
		Tags: splitList(r.PostFormValue("tags")), DefaultRegion: r.PostFormValue("default_region"),
	}
	ct, err := c.Contacts.CreateContact(r.Context(), rq.Actor, rq.WS.ID, in)
	if err != nil {
		return err
	}
	c.flashRedirect(w, r, "Contact "+ct.Phone+" added.", true, wsURL(rq, "/contacts"))
	return nil
}

type contactView struct {
	Layout
	Contact   *sb.Contact
	Tags      string
	DoNotCall bool
}

// contact is one contact, with the edit and delete forms for manager+.
func (c *Console) contact(w http.ResponseWriter, r *http.Request, rq *request) error {
	ct, err := c.Contacts.GetContact(r.Context(), rq.Actor, rq.WS.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := contactView{Contact: ct, Tags: strings.Join(ct.Tags, ", "), DoNotCall: doNotCall([]sb.Contact{*ct})[ct.ID]}
	v.Layout = c.layout(rq, strings.TrimSpace(ct.FirstName+" "+ct.LastName+" "+ct.Phone))
	return c.render(w, rq, "contact", v)
}

// updateContact changes the fields the form sends.
func (c *Console) updateContact(w http.ResponseWriter, r *http.Request, rq *request) error {
	in := sb.UpdateContactInput{
		FirstName: formPtr(r, "first_name"), LastName: formPtr(r, "last_name"), Phone: formPtr(r, "phone"),
		Email: formPtr(r, "email"), Company: formPtr(r, "company"), DefaultRegion: r.PostFormValue("default_region"),
	}
	if _, ok := r.PostForm["tags"]; ok {
		t := splitList(r.PostFormValue("tags"))
		in.Tags = &t
	}
	ct, err := c.Contacts.UpdateContact(r.Context(), rq.Actor, rq.WS.ID, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	c.flashRedirect(w, r, "Contact saved.", true, wsURL(rq, "/contacts/", ct.ID))
	return nil
}

// deleteContacts deletes the contacts named by contact_ids (one from its page,
// or those ticked in the list).
func (c *Console) deleteContacts(w http.ResponseWriter, r *http.Request, rq *request) error {
	ids := r.PostForm["contact_ids"]
	if len(ids) == 0 {
		c.flashRedirect(w, r, "Tick the contacts to delete first.", false, wsURL(rq, "/contacts"))
		return nil
	}
	if len(ids) > sb.DefaultPageLimit {
		return sb.Errorf(sb.ECodeValidation, "Delete at most %d contacts at a time.", sb.DefaultPageLimit)
	}
	for _, id := range ids {
		if err := c.Contacts.DeleteContact(r.Context(), rq.Actor, rq.WS.ID, id); err != nil {
			return err
		}
	}
	msg := "Contact deleted."
	if len(ids) > 1 {
		msg = fmt.Sprintf("%d contacts deleted.", len(ids))
	}
	c.flashRedirect(w, r, msg, true, wsURL(rq, "/contacts"))
	return nil
}

// tagContacts is the bulk tag form: contact_ids, add, remove (the API's fields).
func (c *Console) tagContacts(w http.ResponseWriter, r *http.Request, rq *request) error {
	in := sb.TagContactsInput{ContactIDs: r.PostForm["contact_ids"], Add: splitList(r.PostFormValue("add")), Remove: splitList(r.PostFormValue("remove"))}
	n, err := c.Contacts.TagContacts(r.Context(), rq.Actor, rq.WS.ID, in)
	if err != nil {
		return err
	}
	c.flashRedirect(w, r, fmt.Sprintf("Tags changed on %d contacts.", n), true, withQuery(wsURL(rq, "/contacts"), "tag", r.PostFormValue("tag"), "q", r.PostFormValue("q")))
	return nil
}
