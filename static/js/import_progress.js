// An enrollment import's page (enrollments.admin_history): while the import runs, ask its status page every
// two seconds and move the progress bar and the counts; reload the page once it has finished (its fields too).
(function () {
  "use strict";
  const box = document.getElementById("import-progress");
  if (!box || box.dataset.finished === "1") return;
  const bar = box.querySelector("progress");
  const field = (name) => box.querySelector(`[data-field="${name}"]`);

  async function poll() {
    try {
      const response = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      const status = await response.json();
      bar.value = status.percent;
      bar.textContent = `${status.percent}%`;
      field("status_display").textContent = status.status_display;
      field("summary").textContent = status.summary;
      const error = field("error");
      error.textContent = status.error;
      error.hidden = !status.error;
      if (status.finished) {
        window.location.reload();
        return;
      }
    } catch (_error) {
      // A missed poll is harmless: try again.
    }
    window.setTimeout(poll, 2000);
  }
  window.setTimeout(poll, 1000);
})();
