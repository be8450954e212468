// A stand-in for Office.js, served in place of Microsoft's CDN script. It implements
// what the pane calls: Office.onReady, the host and coercion enums, displayLanguage,
// and on the current item subject, body.getAsync, getSelectedDataAsync (compose) and
// getEntities (read). The test fills __SEED__ with
// {mode: "read" | "compose", displayLanguage, subject, body, selection, phoneEntities}.
(() => {
  const seed = __SEED__;
  const succeeded = (value) => ({ status: "succeeded", value, error: null });
  const body = {
    getAsync(coercion, callback) {
      callback(succeeded(coercion === "text" ? seed.body : `<p>${seed.body}</p>`));
    },
  };
  const compose = {
    subject: {
      getAsync(callback) {
        callback(succeeded(seed.subject));
      },
    },
    body,
    getSelectedDataAsync(coercion, callback) {
      callback(succeeded({ data: seed.selection ?? "", sourceProperty: "body" }));
    },
  };
  const read = {
    subject: seed.subject,
    body,
    getEntities() {
      const phoneNumbers = (seed.phoneEntities ?? []).map((number) => ({
        originalPhoneString: number,
        phoneString: number,
        type: "Unspecified",
      }));
      return { phoneNumbers, addresses: [], emailAddresses: [], urls: [] };
    },
  };
  const info = { host: "Outlook", platform: "PC" };
  window.Office = {
    HostType: { Outlook: "Outlook" },
    PlatformType: { PC: "PC" },
    CoercionType: { Text: "text", Html: "html" },
    AsyncResultStatus: { Succeeded: "succeeded", Failed: "failed" },
    context: {
      displayLanguage: seed.displayLanguage ?? "en-US",
      mailbox: {
        item: seed.mode === "compose" ? compose : read,
        diagnostics: { hostName: "Outlook" },
      },
    },
    onReady(callback) {
      if (callback) {
        callback(info);
      }
      return Promise.resolve(info);
    },
  };
})();
