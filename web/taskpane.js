// Placeholder pane: shows that the bridge answers. The full pane replaces this file.
const state = document.getElementById("bridge-state");

fetch("/api/health")
  .then((response) => response.json())
  .then((health) => {
    state.textContent = `sms-bridge ${health.version} is running.`;
  })
  .catch(() => {
    state.textContent = "The bridge does not answer. Start it with: sms-bridge serve";
  });
