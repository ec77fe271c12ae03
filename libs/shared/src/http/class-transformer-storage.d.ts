// class-transformer keeps its `@Type` metadata here; class-validator-jsonschema reads it to follow nested DTOs.
declare module 'class-transformer/cjs/storage' {
  import type { MetadataStorage } from 'class-transformer/types/MetadataStorage';
  export const defaultMetadataStorage: MetadataStorage;
}
