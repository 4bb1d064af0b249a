import { fetchFile, putBytes } from '../../client/browser/files.js';
import type { FileReader as AttachmentReader, FileTransport } from '../../client/src/uploads.js';
import { credentials, type Api } from './api.js';
import type { Me } from './types.js';

/**
 * The widget's side of attachments for the client core: uploads over REST and the bytes' PUT,
 * downloads with the visitor's credentials (a signed link alone opens nothing). Links the
 * server gives path-absolute are the server's, under `apiUrl` (which may carry a path prefix).
 */
export function widgetFiles(apiUrl: string, api: Api, me: () => Me): { transport: FileTransport; reader: AttachmentReader } {
  const at = (url: string) => (url.startsWith('/') && !url.startsWith('//') ? apiUrl + url : url);
  return {
    transport: {
      createUpload: (input) => api.createUpload(me(), input),
      putBytes: (target, file, onProgress, signal) => putBytes({ ...target, url: at(target.url) }, file, onProgress, signal),
      completeUpload: (attachmentId) => api.completeUpload(me(), attachmentId),
      cancelUpload: (attachmentId) => api.cancelUpload(me(), attachmentId),
    },
    reader: {
      fetchFile: (url) => fetchFile(at(url), credentials(me())),
      refresh: (attachmentId) => api.attachment(me(), attachmentId),
    },
  };
}
