// The invitation page: sign up with the invitation, or log in and accept it, through
// the JSON API of the same origin.
(function () {
  const result = document.getElementById("result");
  const signup = document.getElementById("signup");
  const login = document.getElementById("login");
  // show reports how a form went: class "ok" or "error"; "pending" while it is sent.
  function show(text, state) {
    result.textContent = text;
    result.className = state;
  }
  async function call(path, body, token) {
    const headers = { "Content-Type": "application/json" };
    if (token) headers["Authorization"] = "Bearer " + token;
    const res = await fetch(path, { method: "POST", headers, body: JSON.stringify(body || {}) });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data.detail || "Something went wrong (" + res.status + ").");
    return data;
  }
  // submit runs send when the form is submitted: one request at a time, the old
  // message cleared, and both forms hidden once it worked.
  function submit(form, send) {
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const button = form.querySelector("button");
      button.disabled = true;
      show("Just a moment…", "pending");
      try {
        show(await send(), "ok");
        signup.hidden = true; login.hidden = true;
      } catch (err) {
        show(err.message, "error");
      } finally {
        button.disabled = false;
      }
    });
  }
  submit(signup, async () => {
    await call("/api/v1/auth/signup", {
      email: signup.dataset.email, name: signup.elements.name.value,
      password: signup.elements.password.value, invitation_token: signup.dataset.token,
    });
    return "Welcome! Your account is ready and you have joined the workspace.";
  });
  submit(login, async () => {
    const session = await call("/api/v1/auth/login", { email: login.dataset.email, password: login.elements.password.value });
    const joined = await call("/api/v1/invitations/" + encodeURIComponent(login.dataset.token) + "/accept", {}, session.token);
    return "You have joined the workspace as " + joined.role + ".";
  });
})();
