// Multipart uploads (GraphQL multipart request spec, via graphql-upload): the middleware and the
// Upload scalar, and reading one upload into memory under a byte limit.
import type { RequestHandler } from "express";
import type { GraphQLScalarType } from "graphql";
import GraphQLUploadScalar from "graphql-upload/GraphQLUpload.mjs";
import graphqlUploadExpress from "graphql-upload/graphqlUploadExpress.mjs";
import { AppError } from "../errors/app-error.ts";

export interface FileUpload {
  filename: string;
  mimetype: string;
  encoding: string;
  createReadStream(options?: { highWaterMark?: number }): NodeJS.ReadableStream;
}

export const GraphQLUpload = GraphQLUploadScalar as GraphQLScalarType;

export function uploadMiddleware(maxFileBytes: number, maxFiles: number): RequestHandler {
  return graphqlUploadExpress({ maxFileSize: maxFileBytes, maxFiles }) as RequestHandler;
}

/** Reads an upload fully; PAYLOAD_TOO_LARGE past `maxBytes`, BAD_USER_INPUT for a broken stream. */
export async function readUpload(upload: Promise<FileUpload>, maxBytes: number): Promise<Uint8Array> {
  const file = await upload;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of file.createReadStream()) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) throw new AppError("PAYLOAD_TOO_LARGE", `The upload ${file.filename} is larger than ${maxBytes} bytes`);
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    const status = (error as { status?: number }).status;
    if (status === 413) throw new AppError("PAYLOAD_TOO_LARGE", `The upload ${file.filename} is too large`);
    throw new AppError("BAD_USER_INPUT", `The upload ${file.filename} could not be read: ${(error as Error).message}`);
  }
  return new Uint8Array(Buffer.concat(chunks));
}
