/**
 * Styles live inside the shadow root, so the host page cannot reach them and they cannot
 * reach the page. Colours are chosen for WCAG AA: every text/background pair is 4.5:1 or
 * more, focus rings and borders 3:1 or more.
 */
export const CSS = `
*,*::before,*::after{box-sizing:border-box}
.w{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#111827;-webkit-font-smoothing:antialiased}
button,textarea{font:inherit;color:inherit}
button{cursor:pointer}
[hidden]{display:none!important}
.sr{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
:focus{outline:none}
:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}
.launcher{position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;background:#1d4ed8;color:#fff;display:flex;align-items:center;justify-content:center;box-shadow:0 4px 14px rgba(0,0,0,.25)}
.launcher:hover{background:#1e40af}
.launcher:focus-visible{outline:none;box-shadow:0 0 0 3px #fff,0 0 0 6px #111827}
.badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#b91c1c;color:#fff;font-size:12px;font-weight:700;line-height:22px;text-align:center;box-shadow:0 0 0 2px #fff}
.panel{position:fixed;right:20px;bottom:88px;width:370px;max-width:calc(100vw - 40px);height:560px;max-height:calc(100vh - 108px);display:flex;flex-direction:column;background:#fff;border-radius:12px;overflow:hidden;box-shadow:0 8px 32px rgba(0,0,0,.28)}
@media (max-width:480px){.panel{right:0;bottom:0;width:100vw;max-width:100vw;height:100vh;max-height:100vh;border-radius:0}}
.head{display:flex;align-items:flex-start;gap:8px;padding:14px 12px 14px 16px;background:#1d4ed8;color:#fff}
.head h2{margin:0;font-size:16px;font-weight:700;line-height:1.3}
.head p{margin:2px 0 0;font-size:13px;color:#dbeafe}
.head .grow{flex:1}
.x{border:0;background:transparent;color:#fff;width:36px;height:36px;border-radius:8px;display:flex;align-items:center;justify-content:center}
.x:hover{background:#1e40af}
.x:focus-visible{outline:3px solid #fff;outline-offset:-3px}
.bar{margin:0;padding:8px 16px;font-size:13px;border-bottom:1px solid #e5e7eb}
.em{display:flex;flex-wrap:wrap;gap:6px;align-items:center;border-top:1px solid #e5e7eb;border-bottom:0;background:#f8fafc}.em[hidden]{display:none}
.em-msg{flex:1 1 100%;color:#1f2937}.em input{flex:1;min-width:0;font:inherit;padding:6px 8px;border:1px solid #9ca3af;border-radius:6px}
.em button{font:inherit;padding:6px 10px;border-radius:6px;border:1px solid #1d4ed8;background:#1d4ed8;color:#fff;cursor:pointer}.em .em-skip{background:#fff;color:#1d4ed8}
.conn{background:#fffbeb;color:#78350f}
.err{background:#fef2f2;color:#991b1b;display:flex;gap:8px;align-items:flex-start}
.err span{flex:1}
.err button{border:0;background:transparent;color:#991b1b;text-decoration:underline;padding:0}
.log{flex:1;overflow-y:auto;padding:12px 12px 8px;background:#fff;display:flex;flex-direction:column}
.list{display:flex;flex-direction:column}
.older{align-self:center;margin:4px 0 4px;border:1px solid #6b7280;background:#fff;color:#1e3a8a;border-radius:14px;padding:3px 12px;font-size:12px}
.empty{color:#4b5563;text-align:center;margin:24px 8px;font-size:13px}
.m{display:flex;flex-direction:column;max-width:82%;margin-top:8px}
.m.me{align-self:flex-end;align-items:flex-end}
.m.them{align-self:flex-start;align-items:flex-start}
.b{padding:8px 12px;border-radius:14px;white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word}
.me .b{background:#1d4ed8;color:#fff;border-bottom-right-radius:4px}
.them .b{background:#f3f4f6;color:#111827;border-bottom-left-radius:4px}
.failed .b{background:#fff;color:#111827;border:2px solid #b91c1c}
.meta{font-size:12px;color:#4b5563;margin-top:2px;display:flex;gap:6px;align-items:center;flex-wrap:wrap}
.failed .meta{color:#991b1b}
.retry{border:0;background:transparent;color:#1e3a8a;text-decoration:underline;padding:0;font-size:12px}
.sys{align-self:center;max-width:90%;text-align:center;color:#4b5563;font-size:12px;margin-top:8px;white-space:pre-wrap;overflow-wrap:anywhere}
.code{align-self:stretch;margin-top:8px;padding:10px 12px;border:1px solid #1d4ed8;border-radius:10px;background:#eff6ff;display:flex;align-items:center;gap:10px;flex-wrap:wrap}
.code .lbl{flex-basis:100%;font-size:12px;color:#1e3a8a}
.code code{flex:1;font:700 24px/1.2 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;letter-spacing:.18em;color:#111827}
.copy{border:1px solid #1d4ed8;background:#fff;color:#1e3a8a;border-radius:8px;padding:6px 10px;font-size:13px;font-weight:600}
.typing{margin:0;padding:0 16px 6px;min-height:22px;font-size:12px;font-style:italic;color:#4b5563}
.form{display:flex;gap:8px;align-items:flex-end;padding:10px 12px 12px;border-top:1px solid #e5e7eb}
.form textarea{flex:1;resize:none;min-height:40px;max-height:120px;padding:9px 12px;border:1px solid #6b7280;border-radius:10px;background:#fff;line-height:1.4}
.form textarea::placeholder{color:#6b7280}
.form textarea:focus-visible{outline:2px solid #1d4ed8;outline-offset:0;border-color:#1d4ed8}
.send{border:0;background:#1d4ed8;color:#fff;border-radius:10px;height:40px;padding:0 14px;display:flex;align-items:center;gap:6px;font-weight:600}
.send:hover{background:#1e40af}
.attach{flex:none;border:0;background:transparent;color:#374151;width:40px;height:40px;border-radius:10px;display:flex;align-items:center;justify-content:center}
.attach:hover{background:#f3f4f6}
.note{margin:0;padding:6px 16px;font-size:13px;color:#991b1b;background:#fef2f2}
.panel.drop{outline:3px dashed #1d4ed8;outline-offset:-6px}
.files{display:flex;flex-direction:column;gap:4px;margin-top:4px;align-items:inherit;max-width:100%}
.file,.up{display:flex;flex-wrap:wrap;gap:2px 8px;align-items:center;max-width:100%;border:1px solid #6b7280;border-radius:10px;padding:6px 10px;background:#fff;color:#111827;text-align:left}
.fn{font-weight:600;overflow-wrap:anywhere}
.fs{font-size:12px;color:#4b5563;white-space:nowrap}
.up{width:220px}
.up progress{flex-basis:100%;height:6px;accent-color:#1d4ed8}
.cancel{border:0;background:transparent;color:#1e3a8a;text-decoration:underline;padding:0;font-size:12px}
.thumb{display:block;padding:0;border:1px solid #6b7280;border-radius:10px;overflow:hidden;background:#f3f4f6;line-height:0}
.thumb img{display:block;max-width:220px;max-height:220px;width:auto;height:auto}
.lb{position:absolute;inset:0;z-index:2;display:flex;flex-direction:column;align-items:center;justify-content:center;gap:8px;padding:52px 12px 12px;background:rgba(17,24,39,.94);color:#fff}
.lb img{max-width:100%;max-height:calc(100% - 40px);object-fit:contain}
.lb .x{position:absolute;top:8px;right:8px}
.cap{margin:0;font-size:13px;overflow-wrap:anywhere;text-align:center}
.calls{flex:none;max-height:65%;overflow-y:auto}
.calls h3{margin:0;font-size:14px;font-weight:700}
.calls p{margin:0}
.calls input,.calls textarea{font:inherit;color:#111827}
.call-form{display:flex;flex-direction:column;gap:8px;background:#f8fafc}
.call-form fieldset{border:0;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:4px 16px}
.call-form legend{padding:0;margin-bottom:4px;font-weight:600}
.cr-opt{display:inline-flex;align-items:center;gap:6px}
.cr-opt input{accent-color:#1d4ed8;margin:0;width:16px;height:16px}
.cr-row{display:flex;flex-direction:column;gap:2px}
.cr-row label{font-weight:600;font-size:13px}
.cr-row input,.cr-row textarea{width:100%;padding:6px 8px;border:1px solid #6b7280;border-radius:6px;background:#fff}
.cr-row textarea{resize:vertical;min-height:52px}
.calls [aria-invalid=true]{border:2px solid #b91c1c}
.call-actions{display:flex;flex-wrap:wrap;gap:6px}
.calls button{font-weight:600;padding:6px 12px;border-radius:8px;border:1px solid #1d4ed8;background:#fff;color:#1e3a8a}
.calls button:hover{background:#eff6ff}
.calls .primary{background:#1d4ed8;color:#fff}.calls .primary:hover{background:#1e40af}
.calls .danger{background:#b91c1c;border-color:#b91c1c;color:#fff}.calls .danger:hover{background:#991b1b}
.calls [aria-pressed=true],.calls [aria-pressed=true]:hover{background:#1e3a8a;border-color:#1e3a8a;color:#fff}
.call>button{align-self:flex-start}
.calls [aria-disabled=true]{cursor:progress}
.call-error{color:#991b1b;background:#fef2f2;font-size:13px;padding:4px 8px;border-radius:6px;white-space:pre-line;overflow-wrap:anywhere}
.call-request{display:flex;flex-wrap:wrap;align-items:center;gap:4px 8px;background:#eff6ff;color:#1e3a8a}
.cr-what{flex:1;font-weight:600}
.cr-details{order:3;flex-basis:100%;color:#1f2937;white-space:pre-wrap;overflow-wrap:anywhere}
.call-in{display:flex;flex-direction:column;gap:6px;background:#ecfdf5;color:#064e3b}
.call-in p{overflow-wrap:anywhere}
.call{display:flex;flex-direction:column;gap:6px;background:#f8fafc}
.call-top{display:flex;gap:4px 8px;align-items:baseline;flex-wrap:wrap}
.call-who{font-weight:700;overflow-wrap:anywhere}
.call-status{color:#1f2937}
.call-timer{margin-left:auto;font-weight:600;font-variant-numeric:tabular-nums}
.call-remote-state{color:#78350f;overflow-wrap:anywhere}
.call-live{display:flex;flex-direction:column;gap:6px}
.call-media{position:relative}
.call-video{display:block;width:100%;max-height:200px;background:#111827;border-radius:8px}
.call-self{position:absolute;right:6px;bottom:6px;width:96px;max-height:72px;background:#111827;border:2px solid #fff;border-radius:6px}
.call-video[hidden]+.call-self{position:static;display:block}
.call-meters{display:flex;gap:12px;font-size:12px;color:#374151}
.call-meters span{flex:1;display:flex;flex-direction:column}
.call-meters meter{width:100%}
`;
