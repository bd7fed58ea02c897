// mpauth demo page: plays the phone against the fake WeChat's device API and
// calls the real mini-program API, showing every request and response.
"use strict";
(function () {
  var root = document.getElementById("demo");
  if (!root) return;
  var appid = root.getAttribute("data-appid");
  var log = document.getElementById("demo-log");
  var status = document.getElementById("demo-status");
  var token = "";

  // Codes, tokens and ciphertext are shortened: the page shows the flow, not secrets.
  function shorten(value) {
    if (typeof value !== "string" || value.length <= 12) return value;
    return value.slice(0, 6) + "…(" + value.length + " chars)";
  }
  function redact(obj) {
    if (!obj || typeof obj !== "object") return obj;
    var out = Array.isArray(obj) ? [] : {};
    Object.keys(obj).forEach(function (k) {
      var v = obj[k];
      out[k] = /^(code|token|encryptedData|iv)$/.test(k) ? shorten(v) : redact(v);
    });
    return out;
  }
  function entry(title, method, path, body, httpStatus, answer) {
    var empty = log.querySelector(".empty");
    if (empty) empty.remove();
    var box = document.createElement("div");
    box.className = "demo-entry" + (httpStatus >= 400 ? " failed" : "");
    var h = document.createElement("h3");
    h.textContent = title;
    var req = document.createElement("pre");
    req.textContent = method + " " + path + (body ? "\n" + JSON.stringify(redact(body), null, 2) : "");
    var res = document.createElement("pre");
    res.textContent = "→ " + httpStatus + "\n" + JSON.stringify(redact(answer), null, 2);
    box.appendChild(h);
    box.appendChild(req);
    box.appendChild(res);
    log.insertBefore(box, log.firstChild);
  }
  function call(title, path, body, bearer) {
    var headers = { "Content-Type": "application/json" };
    if (bearer) headers.Authorization = "Bearer " + bearer;
    return fetch(path, { method: "POST", headers: headers, body: JSON.stringify(body) }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (answer) {
        entry(title, "POST", path, body, r.status, answer);
        if (!r.ok) {
          var err = new Error((answer.error && answer.error.message) || ("HTTP " + r.status));
          err.code = answer.error && answer.error.code;
          throw err;
        }
        return answer;
      });
    });
  }
  function user() { return document.getElementById("demo-user").value.trim() || "alice"; }
  function phone() { return document.getElementById("demo-phone").value.trim(); }
  function say(text, failed) {
    status.textContent = text;
    status.className = failed ? "error-box" : "notice";
  }

  function wxLogin(title) {
    return call(title + ": wx.login on the phone", "/_fakewechat/_device/login", { appid: appid, user: user() })
      .then(function (dev) {
        return call(title + ": the mini program sends the code to us", "/api/v1/login", { code: dev.code });
      })
      .then(function (res) {
        token = res.token;
        return res;
      });
  }
  function tapButton(title) {
    return call(title + ": the user taps getPhoneNumber", "/_fakewechat/_device/phone", { appid: appid, user: user(), phone: phone() });
  }
  function needLogin() {
    if (!token) {
      say("Run wx.login first.", true);
      return true;
    }
    return false;
  }

  var steps = {
    login: function () {
      return wxLogin("wx.login").then(function (res) {
        say("Logged in as user " + res.user.id + (res.user.isNew ? " (new)" : "") + ". Now tap getPhoneNumber.");
      });
    },
    code: function () {
      if (needLogin()) return;
      return tapButton("Phone by code").then(function (ev) {
        return call("Phone by code: e.detail as it is", "/api/v1/phone", { code: ev.code }, token);
      }).then(function (res) {
        say("Bound " + res.phone.masked + " through getuserphonenumber (a paid WeChat call).");
      });
    },
    legacy: function () {
      if (needLogin()) return;
      return tapButton("Phone by legacy ciphertext").then(function (ev) {
        return call("Legacy: encryptedData and iv", "/api/v1/phone", { encryptedData: ev.encryptedData, iv: ev.iv }, token);
      }).then(function (res) {
        say("Bound " + res.phone.masked + " by decrypting with the session key. No WeChat call.");
      });
    },
    trap: function () {
      if (needLogin()) return;
      var saved;
      return tapButton("Rotation trap").then(function (ev) {
        saved = ev;
        // The classic bug: wx.login inside the button callback rotates the session key.
        return wxLogin("Rotation trap: the buggy callback calls wx.login again");
      }).then(function () {
        return call("Rotation trap: the old ciphertext arrives", "/api/v1/phone", { encryptedData: saved.encryptedData, iv: saved.iv }, token);
      }).then(function (res) {
        say("Rescued: " + res.phone.masked + " decrypted with the previous session key. Without it the user would see relogin_required.");
      });
    },
    clear: function () {
      log.innerHTML = "";
      token = "";
      say("Start with wx.login.");
    }
  };

  document.addEventListener("click", function (e) {
    var step = e.target.getAttribute && e.target.getAttribute("data-step");
    if (!step || !steps[step]) return;
    var p = steps[step]();
    if (p && p.catch) {
      p.catch(function (err) { say((err.code ? err.code + ": " : "") + err.message, true); });
    }
  });
})();
