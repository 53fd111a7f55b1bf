/** Entity references owned by sibling subgraphs: this subgraph knows only their keys. */
export interface ProductRef {
  id: string;
}
export interface CustomerRef {
  id: string;
}
/** A CSP case; `serialNumber` arrives from the CSP subgraph through `@requires`. */
export interface CaseRef {
  id: string;
  serialNumber?: string | null;
  /** When the case was opened (ISO instant), from the CSP subgraph through `@requires`. */
  openedAt?: string | null;
}
