// Security keys (WebAuthn): a form marked data-webauthn="register" or
// "authenticate" asks the server for the ceremony's options (JSON, bytes in
// base64url), runs navigator.credentials.create / .get, puts the answer as
// JSON in the form's hidden "credential" field and posts the form. The
// server checks everything; this file only carries bytes across.
(function () {
  "use strict";

  function toBytes(base64url) {
    const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "===".slice((base64.length + 3) % 4);
    const binary = atob(padded);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    const bytes = new Uint8Array(buffer);
    let binary = "";
    for (let i = 0; i < bytes.length; i += 1) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withBytes(list) {
    return (list || []).map(function (descriptor) {
      return Object.assign({}, descriptor, { id: toBytes(descriptor.id) });
    });
  }

  function creationOptions(json) {
    return Object.assign({}, json, {
      challenge: toBytes(json.challenge),
      user: Object.assign({}, json.user, { id: toBytes(json.user.id) }),
      excludeCredentials: withBytes(json.excludeCredentials),
    });
  }

  function requestOptions(json) {
    return Object.assign({}, json, {
      challenge: toBytes(json.challenge),
      allowCredentials: withBytes(json.allowCredentials),
    });
  }

  function answer(credential) {
    const response = credential.response;
    const out = { clientDataJSON: toBase64url(response.clientDataJSON) };
    if (response.attestationObject) {
      out.attestationObject = toBase64url(response.attestationObject);
      out.transports = response.getTransports ? response.getTransports() : [];
    } else {
      out.authenticatorData = toBase64url(response.authenticatorData);
      out.signature = toBase64url(response.signature);
      if (response.userHandle) out.userHandle = toBase64url(response.userHandle);
    }
    return JSON.stringify({
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      response: out,
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
    });
  }

  function showError(form, message) {
    const box = form.querySelector(".webauthn-error");
    box.textContent = message;
    box.hidden = false;
  }

  async function options(form) {
    const reply = await fetch(form.dataset.optionsUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": form.querySelector("input[name=csrf_token]").value, Accept: "application/json" },
    });
    const type = reply.headers.get("Content-Type") || "";
    if (!type.startsWith("application/json")) {
      // Sent elsewhere first (the password asked again, the session ended): go there.
      window.location.assign(reply.url);
      return null;
    }
    const json = await reply.json();
    if (!reply.ok) {
      if (json.redirect) window.location.assign(json.redirect);
      else showError(form, json.error || form.dataset.errorFailed);
      return null;
    }
    return json;
  }

  async function ceremony(form) {
    const registering = form.dataset.webauthn === "register";
    const json = await options(form);
    if (json === null) return;
    const credential = registering
      ? await navigator.credentials.create({ publicKey: creationOptions(json) })
      : await navigator.credentials.get({ publicKey: requestOptions(json) });
    form.querySelector("input[name=credential]").value = answer(credential);
    form.dataset.ready = "1";
    form.submit();
  }

  function start(event) {
    const form = event.target.closest("form[data-webauthn]");
    if (!form || form.dataset.ready === "1") return;
    event.preventDefault();
    if (!window.PublicKeyCredential || !navigator.credentials) {
      showError(form, form.dataset.errorUnsupported);
      return;
    }
    const button = form.querySelector("button");
    button.disabled = true;
    ceremony(form).catch(function () {
      showError(form, form.dataset.errorFailed);
    }).finally(function () {
      button.disabled = false;
    });
  }

  document.addEventListener("submit", start);
})();
