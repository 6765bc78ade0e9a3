// The invitation page: sign up with the invitation, or log in and accept it, through
// the JSON API of the same origin.
(function () {
  const result = document.getElementById("result");
  function show(text, ok) {
    result.textContent = text;
    result.className = ok ? "ok" : "error";
  }
  async function call(path, body, token) {
    const headers = { "Content-Type": "application/json" };
    if (token) headers["Authorization"] = "Bearer " + token;
    const res = await fetch(path, { method: "POST", headers, body: JSON.stringify(body || {}) });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data.detail || "Something went wrong (" + res.status + ").");
    return data;
  }
  const signup = document.getElementById("signup");
  signup.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await call("/api/v1/auth/signup", {
        email: signup.dataset.email, name: signup.elements.name.value,
        password: signup.elements.password.value, invitation_token: signup.dataset.token,
      });
      show("Welcome! Your account is ready and you have joined the workspace.", true);
      signup.hidden = true; login.hidden = true;
    } catch (err) { show(err.message, false); }
  });
  const login = document.getElementById("login");
  login.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const session = await call("/api/v1/auth/login", { email: login.dataset.email, password: login.elements.password.value });
      const joined = await call("/api/v1/invitations/" + encodeURIComponent(login.dataset.token) + "/accept", {}, session.token);
      show("You have joined the workspace as " + joined.role + ".", true);
      signup.hidden = true; login.hidden = true;
    } catch (err) { show(err.message, false); }
  });
})();
