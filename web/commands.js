// Function file for the ribbon. Both ribbon buttons open the task pane, so no command
// function is registered; Office still loads this page and needs Office.js ready in it.
if (typeof Office !== "undefined") {
  Office.onReady(() => {});
}
