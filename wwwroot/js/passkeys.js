// Passkey (WebAuthn) ceremonies for IdP's pages. Progressive: without this script (or without WebAuthn support)
// the buttons stay hidden and every page still works with a password and codes.
(() => {
    "use strict";

    if (!window.PublicKeyCredential || !PublicKeyCredential.parseCreationOptionsFromJSON) {
        return;
    }

    const antiforgeryToken = () => document.querySelector('input[name="__RequestVerificationToken"]')?.value ?? "";

    async function post(url, body) {
        const response = await fetch(url, {
            method: "POST",
            credentials: "same-origin",
            headers: { "Content-Type": "application/json", "RequestVerificationToken": antiforgeryToken() },
            body: JSON.stringify(body ?? {}),
        });
        const text = await response.text();
        const data = text ? JSON.parse(text) : {};
        if (!response.ok) {
            throw new Error(data.error ?? "The passkey request failed. Try again.");
        }
        return data;
    }

    function report(button, message) {
        const status = document.getElementById(button.dataset.passkeyStatus);
        if (status) {
            status.textContent = message;
        }
    }

    function describe(error) {
        // NotAllowedError: the user cancelled, or the authenticator timed out.
        return error?.name === "NotAllowedError"
            ? "The passkey request was cancelled or timed out. Try again."
            : error?.message ?? "The passkey request failed.";
    }

    async function register(button) {
        const nameField = document.getElementById(button.dataset.passkeyName);
        const options = await post("/account/passkeys/creation-options");
        const credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) });
        return post("/account/passkeys/", { credential: JSON.stringify(credential.toJSON()), name: nameField?.value ?? null });
    }

    async function signIn(button) {
        const options = await post("/account/passkeys/request-options");
        const credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
        return post("/account/passkeys/assertion", {
            credential: JSON.stringify(credential.toJSON()),
            returnUrl: button.dataset.passkeyReturnUrl ?? "/",
        });
    }

    for (const button of document.querySelectorAll("[data-passkey]")) {
        button.hidden = false;
        button.addEventListener("click", async () => {
            button.disabled = true;
            report(button, "Follow your browser's or device's prompt…");
            try {
                const result = button.dataset.passkey === "register" ? await register(button) : await signIn(button);
                window.location.assign(result.redirect ?? "/");
            } catch (error) {
                report(button, describe(error));
                button.disabled = false;
            }
        });
    }
})();
