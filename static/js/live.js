/* Pages that update themselves (reports.pages.live).

   The element carrying data-live-url names the page's live fragment; every
   data-live-interval seconds (15 by default) the fragment is asked for again
   with the ETag last received (data-live-etag at first) in If-None-Match. A
   304 changes nothing; a 200 brings the parts that changed with the standings:
   each element of the answer marked data-live-part="name" replaces the element
   of the page marked the same. Nothing is asked while the tab is hidden; on
   coming back it is asked at once. An answer that is not the fragment (a
   redirect to the login page, a refusal, a page gone) stops the updates.
   After each update, a "live:updated" event bubbles from the element. */
(function () {
  "use strict";

  var host = document.querySelector("[data-live-url]");
  if (!host || !window.fetch || !window.DOMParser) {
    return;
  }
  var url = host.getAttribute("data-live-url");
  var seconds = parseInt(host.getAttribute("data-live-interval"), 10);
  if (!(seconds >= 1)) {
    seconds = 15;
  }
  var etag = host.getAttribute("data-live-etag") || "";
  var busy = false;
  var timer = null;

  function stop() {
    if (timer !== null) {
      window.clearInterval(timer);
      timer = null;
    }
  }

  // Wide tables scroll inside their box: a replaced box keeps its scroll.
  function scrolls(element) {
    return Array.prototype.map.call(element.querySelectorAll(".table-scroll"), function (box) {
      return box.scrollLeft;
    });
  }

  function replaceParts(html) {
    var answer = new DOMParser().parseFromString(html, "text/html");
    var replaced = [];
    Array.prototype.forEach.call(answer.querySelectorAll("[data-live-part]"), function (part) {
      var name = part.getAttribute("data-live-part");
      var current = document.querySelector('[data-live-part="' + name + '"]');
      if (!current) {
        return;
      }
      var kept = scrolls(current);
      var fresh = document.importNode(part, true);
      current.replaceWith(fresh);
      Array.prototype.forEach.call(fresh.querySelectorAll(".table-scroll"), function (box, index) {
        if (kept[index]) {
          box.scrollLeft = kept[index];
        }
      });
      replaced.push(fresh);
    });
    return replaced;
  }

  function poll() {
    if (busy || timer === null || document.hidden) {
      return;
    }
    busy = true;
    var headers = {};
    if (etag) {
      headers["If-None-Match"] = etag;
    }
    fetch(url, { headers: headers, cache: "no-store", credentials: "same-origin", redirect: "manual" })
      .then(function (response) {
        if (response.status === 304) {
          return null;
        }
        if (response.status !== 200) {
          if (response.type === "opaqueredirect" || response.status === 403 || response.status === 404) {
            stop();
          }
          return null;
        }
        var next = response.headers.get("ETag");
        return response.text().then(function (html) {
          var replaced = replaceParts(html);
          if (!replaced.length) {
            stop();
            return;
          }
          if (next) {
            etag = next;
          }
          host.dispatchEvent(new CustomEvent("live:updated", { bubbles: true, detail: { parts: replaced } }));
        });
      })
      .catch(function () {
        // Offline or a server error: ask again next time.
      })
      .then(function () {
        busy = false;
      });
  }

  timer = window.setInterval(poll, seconds * 1000);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      poll();
    }
  });
})();
