import type { OutboxFile } from '../../client/src/outbox.js';
import { errorMessage } from '../../client/src/transport.js';
import { formatBytes } from '../../client/src/uploads.js';
import type { Attachment } from '../../client/src/wire.js';
import { h, icon, ICONS, setText } from './dom.js';

export interface FileEvents {
  /** Picked, dropped or pasted files: sent at once as one file message (the typed text its caption). */
  attach(files: File[]): void;
  /** Takes back a message not sent yet (its row's key). */
  cancel(key: string): void;
  /** An object URL of an attachment or its thumbnail, fetched with the visitor's credentials. */
  fileUrl(attachment: Attachment, variant: 'file' | 'thumbnail'): Promise<string>;
  error(message: string): void;
}

/** A thumbnail's box in the list, in CSS pixels. */
const THUMB = 220;

const fileLabel = (name: string, size: number) => [h('span', { class: 'fn' }, name), h('span', { class: 'fs' }, formatBytes(size))];
const sizeOf = (a: Attachment) => {
  const scale = a.width && a.height ? Math.min(1, THUMB / a.width, THUMB / a.height) : 0;
  return scale ? { width: String(Math.round(a.width! * scale)), height: String(Math.round(a.height! * scale)) } : {};
};

/**
 * Files in the widget: the attach button and its picker, drop and paste, a row's files (uploads
 * with progress while in the outbox, thumbnails and download rows once sent) and the image
 * lightbox. Names go in as text only.
 */
export class AttachmentsView {
  readonly button: HTMLButtonElement;
  readonly input: HTMLInputElement;
  readonly lightbox: HTMLDivElement;
  private readonly bigImage: HTMLImageElement;
  private readonly caption: HTMLParagraphElement;
  private opener: HTMLElement | null = null;

  constructor(private readonly events: FileEvents) {
    this.input = h('input', { type: 'file', multiple: true, hidden: true, tabindex: '-1', 'aria-hidden': 'true' });
    this.input.addEventListener('change', () => {
      this.pick(this.input.files);
      this.input.value = '';
    });
    this.button = h('button', { type: 'button', class: 'attach', 'aria-label': 'Attach files' }, icon(ICONS.clip, 20));
    this.button.addEventListener('click', () => this.input.click());

    const close = h('button', { type: 'button', class: 'x', 'aria-label': 'Close image' }, icon(ICONS.close, 20));
    close.addEventListener('click', () => this.closeLightbox());
    this.bigImage = h('img', { alt: '' });
    this.caption = h('p', { class: 'cap' });
    this.lightbox = h('div', { class: 'lb', role: 'dialog', 'aria-modal': 'true', hidden: true }, close, this.bigImage, this.caption);
    this.lightbox.addEventListener('keydown', (e) => {
      // Modal: focus stays on its one control (Close) until Escape or Close.
      if (e.key === 'Tab') e.preventDefault();
      if (e.key !== 'Escape') return;
      e.stopPropagation();
      this.closeLightbox();
    });
    this.lightbox.addEventListener('click', (e) => e.target === this.lightbox && this.closeLightbox());
  }

  /** Files dropped onto `area` or pasted into `field` (a screenshot) are attached. */
  accept(area: HTMLElement, field: HTMLElement): void {
    const dragging = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
    area.addEventListener('dragover', (e) => {
      if (!dragging(e)) return;
      e.preventDefault();
      area.classList.add('drop');
    });
    area.addEventListener('dragleave', (e) => e.target === area && area.classList.remove('drop'));
    area.addEventListener('drop', (e) => {
      area.classList.remove('drop');
      if (!dragging(e)) return;
      e.preventDefault();
      this.pick(e.dataTransfer!.files);
    });
    field.addEventListener('paste', (e) => {
      const files = e.clipboardData?.files;
      if (!files?.length) return;
      e.preventDefault();
      this.pick(files);
    });
  }

  /**
   * A row's files: what is uploading (name, size, progress, Cancel) while `uploads` is set, the
   * message's attachments once stored. Rebuilt only when the set of files changes.
   */
  update(box: HTMLElement, key: string, uploads: readonly OutboxFile[] | undefined, attachments: readonly Attachment[] | undefined): void {
    const files = uploads ?? attachments ?? [];
    const signature = `${uploads ? 'u' : 'a'}:${files.map((f) => f.id).join()}`;
    box.hidden = files.length === 0;
    if (box.dataset.sig !== signature) {
      box.dataset.sig = signature;
      box.replaceChildren();
      if (uploads) this.buildUploads(box, key, uploads);
      else for (const a of attachments ?? []) box.appendChild(a.thumbnailUrl ? this.thumbnail(a) : this.download(a));
    }
    uploads?.forEach((file, i) => {
      const bar = box.querySelectorAll('progress')[i];
      if (bar) bar.value = file.progress;
    });
  }

  closeLightbox(): void {
    if (this.lightbox.hidden) return;
    this.lightbox.hidden = true;
    this.bigImage.removeAttribute('src');
    this.opener?.focus();
    this.opener = null;
  }

  private pick(list: FileList | null | undefined): void {
    const files = Array.from(list ?? []);
    if (files.length) this.events.attach(files);
  }

  private buildUploads(box: HTMLElement, key: string, uploads: readonly OutboxFile[]): void {
    for (const file of uploads) {
      box.appendChild(h('div', { class: 'up' }, ...fileLabel(file.name, file.size), h('progress', { max: '1', value: '0', 'aria-label': `Uploading ${file.name}` })));
    }
    const cancel = h('button', { type: 'button', class: 'cancel' }, 'Cancel');
    cancel.addEventListener('click', () => this.events.cancel(key));
    box.appendChild(cancel);
  }

  /** An image: its thumbnail, opening the full image in the lightbox; a file row if it cannot load. */
  private thumbnail(a: Attachment): HTMLElement {
    const img = h('img', { alt: a.name, ...sizeOf(a) });
    const button = h('button', { type: 'button', class: 'thumb', 'aria-label': `Open image ${a.name}` }, img);
    button.addEventListener('click', () => void this.openImage(a, button));
    this.events.fileUrl(a, 'thumbnail').then(
      (url) => (img.src = url),
      () => button.replaceWith(this.download(a)),
    );
    return button;
  }

  private async openImage(a: Attachment, opener: HTMLElement): Promise<void> {
    this.opener = opener;
    this.lightbox.setAttribute('aria-label', a.name);
    this.bigImage.alt = a.name;
    setText(this.caption, a.name);
    this.lightbox.hidden = false;
    this.lightbox.querySelector<HTMLButtonElement>('.x')!.focus();
    try {
      const url = await this.events.fileUrl(a, 'file');
      if (this.opener === opener) this.bigImage.src = url;
    } catch (error) {
      this.closeLightbox();
      this.events.error(`${a.name} could not be opened: ${errorMessage(error)}`);
    }
  }

  /** Any other file: its name and size; a click saves it. */
  private download(a: Attachment): HTMLElement {
    const button = h('button', { type: 'button', class: 'file' }, icon(ICONS.file, 20), ...fileLabel(a.name, a.size), h('span', { class: 'sr' }, 'Download'));
    button.addEventListener('click', async () => {
      try {
        const link = h('a', { href: await this.events.fileUrl(a, 'file'), download: a.name, hidden: true });
        button.after(link);
        link.click();
        link.remove();
      } catch (error) {
        this.events.error(`${a.name} could not be downloaded: ${errorMessage(error)}`);
      }
    });
    return button;
  }
}
