/** One rule's finding. Denials cite the article; `field` names the request field at fault. */
export interface Finding {
  readonly code: string;
  readonly article: string;
  readonly message: string;
  readonly cameraId?: string;
  readonly field?: string;
}
