import { createContext, useContext } from 'react';
import { fetchFile, putBytes } from '../../../client/browser/files.js';
import type { FileReader, FileTransport } from '../../../client/src/index.js';
import type { ApiClient } from '../api/client.js';
import { call, within } from './trpc-transport.js';

export interface ConsoleFiles {
  /** Uploads for the session's file messages: the attachments procedures and the bytes' PUT. */
  transport: FileTransport;
  /** Downloads with the agent's token (a signed link alone opens nothing); fresh links from attachments.get. */
  reader: FileReader;
}

/**
 * The console's files over its tRPC client. The local-disk store answers a path-absolute
 * upload URL: it is this server's, the page's own origin.
 */
export function consoleFiles(api: ApiClient, token: string): ConsoleFiles {
  const headers = { authorization: `Bearer ${token}` };
  return {
    transport: {
      createUpload: (input) => call(api.attachments.create.mutate(input, within())),
      putBytes: (target, file, onProgress, signal) => putBytes({ ...target, url: new URL(target.url, location.origin).href }, file, onProgress, signal),
      completeUpload: (attachmentId) => api.attachments.complete.mutate({ attachmentId }, within()),
      cancelUpload: async (attachmentId) => void (await api.attachments.cancel.mutate({ attachmentId }, within())),
    },
    reader: {
      fetchFile: (url) => fetchFile(url, headers),
      refresh: (attachmentId) => api.attachments.get.query({ attachmentId }, within()),
    },
  };
}

const FilesContext = createContext<ConsoleFiles | null>(null);
export const FilesProvider = FilesContext.Provider;

export function useConsoleFiles(): ConsoleFiles {
  const files = useContext(FilesContext);
  if (!files) throw new Error('useConsoleFiles outside a signed-in console');
  return files;
}
