/**
 * `/stately`: for users who are online, the page @statelyai/inspect's inspector server serves. It frames the
 * hosted Stately inspector and forwards every relay message into it by postMessage once the frame says it is
 * connected; until then it buffers. The WebSocket address comes from the page's own host, so any bind works.
 */

export const STATELY_INSPECTOR_URL = 'https://stately.ai/inspect';

export function statelyBridgePage(inspectorUrl = STATELY_INSPECTOR_URL): string {
  return `<!DOCTYPE html>
<html>
<head>
  <meta charset="utf-8">
  <title>toyredis · Stately inspector</title>
  <style>
    * { margin: 0; padding: 0; }
    html, body { height: 100%; }
    iframe { width: 100%; height: 100%; border: none; }
  </style>
</head>
<body>
  <iframe id="inspector" src="${inspectorUrl}"></iframe>
  <script>
    const iframe = document.getElementById('inspector');
    const buffer = [];
    let connected = false;
    window.addEventListener('message', (e) => {
      if (e.data && e.data.type === '@statelyai.connected') {
        connected = true;
        buffer.forEach((event) => iframe.contentWindow.postMessage(event, '*'));
        buffer.length = 0;
      }
    });
    const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host);
    ws.onmessage = (event) => {
      const data = JSON.parse(event.data);
      if (connected) iframe.contentWindow.postMessage(data, '*');
      else buffer.push(data);
    };
  </script>
</body>
</html>
`;
}
